// Moments in the one format of the page's language (core/moments.py sends its CLDR
// patterns and month names in #time-format): Chromium's own Intl data writes Kazakh as
// "2026 M11 23", so the browser only converts between time zones here, never words.
// Every server time shown in Astana time gets the viewer's own time beside it, e.g.
// "(your time, Europe/Berlin: 6:00 AM)", with the date only when it differs.
(function () {
  "use strict";
  const format = JSON.parse(document.getElementById("time-format").textContent);
  const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const partsIn = {};

  // The wall clock of a zone as numbers: year, month, day, hour (0-23), minute, second.
  function wallClock(moment, zone) {
    if (!partsIn[zone]) {
      partsIn[zone] = new Intl.DateTimeFormat("en-US", {
        timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
        hour: "numeric", minute: "numeric", second: "numeric",
      });
    }
    const clock = {};
    partsIn[zone].formatToParts(moment).forEach(function (part) {
      if (part.type !== "literal") clock[part.type] = Number(part.value);
    });
    clock.hour %= 24;
    return clock;
  }

  const pad = (value, width) => String(value).padStart(width, "0");

  function field(name, clock) {
    const h12 = clock.hour % 12 || 12;
    switch (name) {
      case "y": return String(clock.year);
      case "yyyy": return pad(clock.year, 4);
      case "M": case "L": return String(clock.month);
      case "MM": case "LL": return pad(clock.month, 2);
      case "MMM": case "MMMM": case "LLL": case "LLLL": return format.months[name][clock.month - 1];
      case "d": return String(clock.day);
      case "dd": return pad(clock.day, 2);
      case "h": return String(h12);
      case "hh": return pad(h12, 2);
      case "H": return String(clock.hour);
      case "HH": return pad(clock.hour, 2);
      case "K": return String(clock.hour % 12);
      case "KK": return pad(clock.hour % 12, 2);
      case "k": return String(clock.hour || 24);
      case "kk": return pad(clock.hour || 24, 2);
      case "m": return String(clock.minute);
      case "mm": return pad(clock.minute, 2);
      case "s": return String(clock.second);
      case "ss": return pad(clock.second, 2);
      case "a": return format.periods[clock.hour < 12 ? 0 : 1];
      default: return "";
    }
  }

  function write(pattern, clock) {
    return pattern
      .replace(/%\((\w+)\)s/g, (match, name) => field(name, clock))
      .replace(/%%/g, "%");
  }

  // Write a moment in a zone (Astana's by default): date and time, or the time alone.
  function formatMoment(moment, options) {
    const settings = options || {};
    const clock = wallClock(new Date(moment), settings.zone || format.zone);
    const time = write(settings.seconds ? format.timeSeconds : format.time, clock);
    if (settings.timeOnly) return time;
    return format.glue.replace("{1}", write(format.date, clock)).replace("{0}", time);
  }

  function isSameDay(moment, zone) {
    const here = wallClock(moment, format.zone);
    const there = wallClock(moment, zone);
    return here.year === there.year && here.month === there.month && here.day === there.day;
  }

  // The viewer's own time for a <time data-local-time>, or nothing in Astana itself.
  function viewerTime(node) {
    const moment = new Date(node.getAttribute("datetime"));
    // Asia/Almaty is Astana time itself: repeating it would only add noise.
    if (Number.isNaN(moment.getTime()) || viewerZone === format.zone) return null;
    const local = document.createElement("span");
    local.className = "viewer-time";
    const seconds = node.hasAttribute("data-seconds");
    const written = formatMoment(moment, {
      zone: viewerZone, seconds: seconds, timeOnly: isSameDay(moment, viewerZone),
    });
    local.textContent = " (" + format.yourTime + ", " + viewerZone + ": " + written + ")";
    return local;
  }

  // The markup astana_time writes, for a moment a script learns of later.
  function astanaElement(moment, options) {
    const settings = options || {};
    const wrapper = document.createDocumentFragment();
    const node = document.createElement("time");
    node.className = "moment";
    node.setAttribute("datetime", new Date(moment).toISOString());
    if (settings.seconds) node.setAttribute("data-seconds", "");
    node.append(formatMoment(moment, settings) + " ");
    const zone = document.createElement("span");
    zone.className = "time-zone";
    zone.textContent = format.astana;
    node.append(zone);
    wrapper.append(node);
    const local = viewerTime(node);
    if (local) wrapper.append(local);
    return wrapper;
  }

  document.querySelectorAll("time[data-local-time]").forEach(function (node) {
    const local = viewerTime(node);
    if (local) node.after(local);
  });

  window.NedraMoments = {
    format: formatMoment,
    element: astanaElement,
    // A moment as text, in Astana time and labelled so.
    astana: (moment, options) => formatMoment(moment, options) + " " + format.astana,
  };
})();
