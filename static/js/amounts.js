// Amounts as people type them, read by the rules of the page's language (its CLDR symbols,
// in #kzt-format), and written back the same way. The wire only ever carries the plain
// decimal string this returns, e.g. "336000000.00".
//
// One reading per language, never a guess:
// - the language's decimal sign (a dot in English and Chinese, a comma in Russian and
//   Kazakh) starts the tiyn, at most two digits;
// - the other of comma and dot, and every kind of space (space, no-break space, narrow
//   no-break space, thin space), separate thousands: groups of exactly three digits after
//   the first, so "336.000.000" is 336 million in Russian and "336,000,000" in English;
// - a decimal sign followed by three digits ("1.500" in English, "1,500" in Russian) could
//   be either habit's thousands: refused as ambiguous, naming the thousands reading;
// - anything else (letters, a sign, two decimal signs, groups not of three) is refused.
(function () {
  "use strict";

  const SPACES = "\\s\\u00a0\\u202f\\u2009\\u2007";
  const ALLOWED = new RegExp("^[0-9.," + SPACES + "]+$");
  const SEPARATORS = new RegExp("([.,]|[" + SPACES + "]+)");

  function currencyMarks(format) {
    return [format.prefix, format.suffix, "KZT", "₸"]
      .map((mark) => (mark || "").trim())
      .filter(Boolean);
  }

  function stripCurrency(text, format) {
    let value = text.trim();
    currencyMarks(format).forEach(function (mark) {
      const upper = value.toUpperCase();
      if (upper.startsWith(mark.toUpperCase())) value = value.slice(mark.length).trim();
      if (upper.endsWith(mark.toUpperCase())) value = value.slice(0, -mark.length).trim();
    });
    return value;
  }

  // One run of digits is an amount written without grouping; several are thousands.
  function isGrouped(digitRuns) {
    if (digitRuns.length === 1) return true;
    return digitRuns.every(function (run, index) {
      return index === 0 ? run.length >= 1 && run.length <= 3 : run.length === 3;
    });
  }

  function toCents(whole, fraction) {
    return BigInt(whole) * 100n + BigInt((fraction || "").padEnd(2, "0"));
  }

  // Return {cents} for an amount the language reads one way, else {error} with one of
  // "empty", "invalid", "layout", "ambiguous" (with `thousands`, the cents it may mean) or
  // "too_large": more whole tenge digits than `maxWholeDigits`, the engine's limit, which
  // the page is given (the room's config), never a number of its own.
  function parse(text, format, maxWholeDigits) {
    const value = stripCurrency(String(text), format);
    if (!value) return { error: "empty" };
    if (!ALLOWED.test(value) || !/^\d/.test(value) || !/\d$/.test(value)) {
      return { error: "invalid" };
    }
    const decimal = format.decimal === "," ? "," : ".";
    const tokens = value.split(SEPARATORS);
    const digitRuns = tokens.filter((_, index) => index % 2 === 0);
    const separators = tokens.filter((_, index) => index % 2 === 1);
    if (digitRuns.some((run) => run === "")) return { error: "layout" };

    let fraction = "";
    if (separators.length && separators[separators.length - 1] === decimal) {
      fraction = digitRuns.pop();
      separators.pop();
    }
    if (separators.includes(decimal) || !isGrouped(digitRuns)) return { error: "layout" };
    const whole = digitRuns.join("");
    if (fraction.length === 3 && isGrouped(digitRuns.concat([fraction]))) {
      // "1.500" in English: a dot before three digits is someone else's thousands.
      const thousands = whole + fraction;
      if (thousands.replace(/^0+/, "").length > maxWholeDigits) return { error: "too_large" };
      return { error: "ambiguous", thousands: toCents(thousands, "") };
    }
    if (fraction.length > 2) return { error: "layout" };
    if (whole.replace(/^0+/, "").length > maxWholeDigits) return { error: "too_large" };
    const cents = toCents(whole, fraction);
    if (cents <= 0n) return { error: "invalid" };
    return { cents: cents };
  }

  // Write cents the language's way, e.g. "1 250 000 000,50" in Russian; with the currency,
  // exactly as the server's format_kzt writes it. Tiyn only when present.
  function write(cents, format, withCurrency) {
    const tenge = (cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, format.group);
    const tiyn = cents % 100n;
    const fraction = tiyn ? format.decimal + tiyn.toString().padStart(2, "0") : "";
    const number = tenge + fraction;
    return withCurrency ? format.prefix + number + format.suffix : number;
  }

  // The plain decimal string the wire carries: "336000000.00".
  function toWire(cents) {
    const digits = cents.toString().padStart(3, "0");
    return digits.slice(0, -2) + "." + digits.slice(-2);
  }

  window.NedraAmounts = { parse: parse, write: write, toWire: toWire };
})();
