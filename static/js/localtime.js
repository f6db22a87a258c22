// Add the viewer's own local time beside every server time shown in Astana time, labelled
// in the page's language with the viewer's zone, e.g. "(your time, Europe/Berlin: …)".
(function () {
  "use strict";
  const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const lang = document.documentElement.lang || undefined;
  // Chromium ships no Kazakh month names (it writes "2026 M06 2"): Kazakh gets the numeric
  // day.month.year that Kazakhstan's documents use.
  const format = lang === "kk"
    ? new Intl.DateTimeFormat("ru", {
      day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
    })
    : new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
  document.querySelectorAll("time[data-local-time]").forEach(function (node) {
    const moment = new Date(node.getAttribute("datetime"));
    // Asia/Almaty is Astana time itself: repeating it would only add noise.
    if (Number.isNaN(moment.getTime()) || viewerZone === "Asia/Almaty") return;
    const label = node.getAttribute("data-viewer-label") || "your time";
    const local = document.createElement("span");
    local.className = "viewer-time";
    local.textContent = " (" + label + ", " + viewerZone + ": " + format.format(moment) + ")";
    node.after(local);
  });
})();
