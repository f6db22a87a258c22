// Add the viewer's own local time beside every server time shown in Astana time.
(function () {
  "use strict";
  const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    dateStyle: "medium",
    timeStyle: "short",
  });
  document.querySelectorAll("time[data-local-time]").forEach(function (node) {
    const moment = new Date(node.getAttribute("datetime"));
    if (Number.isNaN(moment.getTime()) || viewerZone === "Asia/Almaty") return;
    const local = document.createElement("span");
    local.className = "viewer-time";
    local.textContent = " (" + format.format(moment) + " " + viewerZone + ")";
    node.after(local);
  });
})();
