// The auction room: live state over the lot's websocket (DESIGN.md section 4), counted
// down by the server's clock, bids sent with a client-made key so a retry never doubles.
// The public gallery runs this same script as a watcher: its page has no bid form and its
// socket (/ws/lots/<id>/gallery/) names every leader by number, never "you".
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("room-config").textContent);
  const text = JSON.parse(document.getElementById("room-strings").textContent);
  const lang = document.documentElement.lang || "en";
  // Above this many steps over the current price, a bid asks for confirmation first.
  const CONFIRM_ABOVE_STEPS = 10n;
  const PING_EVERY_MS = 20000;
  const PONG_WITHIN_MS = 10000;
  // A bid unanswered when the connection dropped is sent again on reconnect only if this
  // recent: later, the price has moved on from what the bidder decided.
  const RESEND_WITHIN_MS = 5000;
  // The server's refusals that end the socket for good: reconnecting would be refused again.
  const REFUSALS = [
    "login_required", "session_ended", "not_admitted", "lot_not_found", "gallery_closed",
  ];
  // Refused for too many open windows of this account: try again this much later, when
  // another window may have closed (or a crashed server's places have lapsed).
  const SLOT_RETRY_MS = 15000;
  // Heartbeats come every 2 s; a resync asked for is answered well within that.
  const RESYNC_AFTER_MS = 1500;

  const $ = (id) => document.getElementById(id);
  const fill = (template, values) =>
    template.replace(/%\((\w+)\)s/g, (match, name) => (name in values ? values[name] : match));

  // Money is counted in BigInt cents, exact whatever the amount. The server's amounts are
  // plain decimals ("1250000000.00"), within the engine's limit; what people type is read
  // by amounts.js, by the rules of the page's language, up to that limit (the config's
  // max_whole_digits, the engine's own figure).
  const amounts = window.NedraAmounts;
  function toCents(value) {
    const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(String(value));
    if (!match) return null;
    return BigInt(match[1]) * 100n + BigInt((match[2] || "").padEnd(2, "0"));
  }
  // Amounts are written exactly as the server writes them for this language (its CLDR
  // data, in #kzt-format): "1 250 000 000 ₸", "KZT 1,250,000,000.50"; tiyn only when present.
  const money = JSON.parse(document.getElementById("kzt-format").textContent);
  function formatKzt(decimal) {
    const cents = toCents(decimal);
    return cents === null ? String(decimal) : amounts.write(cents, money, true);
  }
  const EXAMPLE_CENTS = 125000000050n;
  // What a bidder typed, read by the page's language up to the engine's limit.
  const readAmount = (typed) => amounts.parse(typed, money, config.max_whole_digits);

  // Times in the one format of the page's language, from localtime.js; the room's to the
  // second, since extensions and bids are.
  const moments = window.NedraMoments;

  let state = config.state;
  let clockOffset = Date.parse(state.server_time) - Date.now();
  const step = toCents(config.bid_step);
  const pending = new Map(); // key -> {amount, sentAt} awaiting an answer
  let socket = null;
  let retries = 0;
  let pongTimer = null;
  let refused = false;
  let closedMessage = ""; // how the server said the lot ended, in the page's language
  let hasBid = false; // once this participant has bid, someone else leading means outbid
  let resyncAskedAt = 0;
  let waitingForSlot = ""; // the server's word when it refused a socket too many
  // The answer shown under the form, and the lot's version it was given at: a newer state
  // replaces it (see settleReply), so it never contradicts what the board shows.
  let reply = null;
  // Two-stage lots: this participant's receipt of its sealed bid, and the key of one
  // awaiting its answer.
  let sealedReceipt = config.sealed_receipt || null;
  let sealedKey = null;
  // The participant's own bid ceiling in cents (null: none), from its `ceiling` frames.
  let ceilingCents = null;

  function participantLabel(number) {
    const label = fill(text.participant, { number: number });
    return number === config.participant_number ? text.you + " (" + label + ")" : label;
  }

  function render() {
    const room = $("room");
    room.dataset.status = state.status;
    const status = $("room-status");
    status.textContent = text.statuses[state.status] || state.status;
    status.className = "status status-" + state.status;
    $("room-price").textContent = state.current_price ? formatKzt(state.current_price) : text.noBids;
    const finished = isFinished(state);
    $("room-minimum").textContent = finished ? "—" : formatKzt(state.min_next_bid);
    $("room-ends").replaceChildren(moments.element(state.ends_at, { seconds: true }));
    $("room-count").textContent = String(state.bid_count);
    $("room-step").textContent = formatKzt(config.bid_step);

    const standing = $("room-standing");
    // Once the lot is over, the closing notice says who won; "leading" no longer applies.
    standing.hidden = finished;
    const leaderNumber = state.recent_bids.length ? state.recent_bids[0].participant_number : null;
    if (state.recent_bids.some((bid) => bid.participant_number === config.participant_number)) {
      hasBid = true;
    }
    if (state.leader === null) {
      standing.textContent = text.openingBid;
      standing.dataset.standing = "none";
    } else if (state.leader === "you") {
      standing.textContent = text.leading;
      standing.dataset.standing = "leading";
    } else if (hasBid) {
      standing.textContent = fill(text.outbid, { number: leaderNumber });
      standing.dataset.standing = "outbid";
    } else {
      standing.textContent = fill(text.leaderIs, { number: leaderNumber });
      standing.dataset.standing = "watching";
    }

    const rows = $("room-bids");
    rows.replaceChildren();
    if (!state.recent_bids.length) {
      const row = rows.insertRow();
      row.className = "empty";
      const cell = row.insertCell();
      cell.colSpan = 4;
      cell.textContent = text.noBidsRow;
    }
    state.recent_bids.forEach(function (bid) {
      const row = rows.insertRow();
      if (bid.participant_number === config.participant_number) row.className = "mine";
      const cells = [
        String(bid.sequence), participantLabel(bid.participant_number),
        formatKzt(bid.amount), moments.format(bid.placed_at, { seconds: true, timeOnly: true }),
      ];
      cells.forEach(function (value, index) {
        const cell = row.insertCell();
        cell.textContent = value;
        if (index === 0 || index === 2) cell.className = "num";
      });
      if (bid.automatic) markAutomatic(row.cells[1], bid);
    });
    if (finished) $("room-extension").hidden = true;
    renderClosed();
    describeAmount();
    renderSealed();
    tick();
  }

  function isFinished(lot) {
    return ["closed", "failed", "cancelled"].includes(lot.status);
  }

  function renderClosed(message) {
    const banner = $("room-closed");
    if (message) closedMessage = message;
    let note = closedMessage;
    if (state.status === "paused") {
      note = fill(text.paused, { reason: state.status_reason || "" });
    } else if (!note && state.status === "failed") {
      note = text.closedFailed;
    } else if (!note && state.status === "cancelled") {
      note = text.closedCancelled;
    } else if (!note && state.status === "closed") {
      note = text.closedAwarded;
    }
    banner.hidden = !note;
    banner.textContent = note;
    setBiddingOpen(isBiddingOpen());
  }

  function isBiddingOpen() {
    const now = Date.now() + clockOffset;
    return !refused && state.status === "live" && now < Date.parse(state.ends_at) && now >= Date.parse(state.starts_at)
      && mayBidOpenly();
  }

  function setBiddingOpen(open) {
    const form = $("bid-form");
    if (!form) return;
    form.querySelectorAll("button, input").forEach(function (control) {
      control.disabled = !open || (control.id === "bid-submit" && pending.size > 0) ||
        control.dataset.aboveCeiling === "true";
    });
    const maximumForm = $("maximum-form");
    if (maximumForm) {
      maximumForm.querySelectorAll("button, input").forEach(function (control) {
        control.disabled = !open || (control.id === "maximum-submit" && maximumPending !== null);
      });
    }
  }

  // --- Proxy (maximum) bids: the owner's own maximum, from its own `maximum` frames ------
  let maximum = null; // the last `maximum` frame: {amount, active, message}
  let maximumPending = null; // the key of a maximum awaiting its answer

  // A bid placed by the platform for a maximum: "for your maximum" on this participant's.
  function markAutomatic(cell, bid) {
    const mark = document.createElement("span");
    mark.className = "badge badge-automatic";
    mark.textContent = bid.participant_number === config.participant_number
      ? text.forYourMaximum : text.automatic;
    cell.append(" ", mark);
  }

  function renderMaximum() {
    const status = $("maximum-status");
    if (!status) return;
    const has = maximum !== null && maximum.amount !== null;
    status.textContent = has ? maximum.message : text.maximumNone;
    status.dataset.active = String(has && maximum.active);
  }

  function maximumFeedback(message, kind) {
    const node = $("maximum-feedback");
    if (!node) return;
    node.textContent = message;
    node.dataset.kind = kind;
  }

  function handleMaximum(frame) {
    switch (frame.type) {
      case "maximum":
        maximum = frame;
        renderMaximum();
        // "Set" no longer holds once the price has passed the maximum.
        if (!frame.active && $("maximum-feedback") && $("maximum-feedback").dataset.kind === "ok") {
          maximumFeedback("", "");
        }
        break;
      case "maximum_accepted":
        maximumPending = null;
        maximumFeedback(fill(text.maximumAccepted, { amount: formatKzt(frame.amount) }), "ok");
        $("maximum-amount").value = "";
        break;
      case "maximum_rejected":
        maximumPending = null;
        maximumFeedback(frame.message, "error");
        break;
    }
    setBiddingOpen(isBiddingOpen());
  }

  function setUpMaximumForm() {
    const form = $("maximum-form");
    if (!form) return;
    const input = $("maximum-amount");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const parsed = readAmount(input.value);
      if (parsed.cents === undefined) {
        maximumFeedback(fill(text.amountErrors[parsed.error] || text.amountErrors.invalid, {
          input: input.value.trim(),
          example: amounts.write(EXAMPLE_CENTS, money, false),
          amount: parsed.thousands ? amounts.write(parsed.thousands, money, true) : "",
          grouped: parsed.thousands ? amounts.write(parsed.thousands, money, false) : "",
        }), "error");
        input.focus();
        return;
      }
      if (!socket || socket.readyState !== WebSocket.OPEN) {
        maximumFeedback(text.reconnecting, "error");
        return;
      }
      maximumPending = crypto.randomUUID();
      maximumFeedback(text.maximumSending, "pending");
      socket.send(JSON.stringify({
        type: "set_maximum", amount: amounts.toWire(parsed.cents), key: maximumPending,
      }));
      setBiddingOpen(isBiddingOpen());
    });
  }

  function tick() {
    const now = Date.now() + clockOffset;
    const before = state.status === "published";
    // A two-stage lot counts down to its sealed round's end first.
    const sealedRound = !before && state.round === "sealed";
    const target = Date.parse(
      before ? state.starts_at : sealedRound ? state.sealed_round_ends_at : state.ends_at,
    );
    const left = Math.max(0, target - now);
    $("room-clock-label").textContent = before ? text.startsIn : sealedRound ? text.sealedEndsIn : text.timeLeft;
    const seconds = Math.floor(left / 1000);
    const days = Math.floor(seconds / 86400);
    const clock = [Math.floor(seconds / 3600) % 24, Math.floor(seconds / 60) % 60, seconds % 60]
      .map((part) => String(part).padStart(2, "0")).join(":");
    const countdown = $("room-countdown");
    const running = state.status === "live" || state.status === "published";
    countdown.textContent = running ? (days ? days + " · " : "") + clock : "—";
    countdown.dataset.urgent = String(state.status === "live" && left < 60000);
    if (state.status === "live" && left === 0 && !sealedRound && $("room-closed").hidden) {
      const banner = $("room-closed");
      banner.hidden = false;
      banner.textContent = text.ended;
    }
    setBiddingOpen(isBiddingOpen());
  }

  function applyState(next) {
    // The channel layer may reorder broadcasts: an older version than ours is news already had.
    if (next.version < state.version) return;
    const extended = state.status === "live" && Date.parse(next.ends_at) > Date.parse(state.ends_at);
    clockOffset = Date.parse(next.server_time) - Date.now();
    const newer = next.version > state.version;
    state = next;
    settleReply(newer);
    if (extended) {
      const notice = $("room-extension");
      notice.hidden = false;
      notice.textContent = fill(text.extended, {
        time: moments.astana(next.ends_at, { seconds: true }),
      });
    }
    render();
  }

  // Show the answer to this bidder's latest action. `afterSnapshot` keeps it through the
  // snapshot that follows a reconnection, which it is about.
  function feedback(message, kind, afterSnapshot) {
    const node = $("bid-feedback");
    if (!node) return;
    node.textContent = message;
    node.dataset.kind = kind;
    reply = message ? { kind: kind, version: state.version, afterSnapshot: !!afterSnapshot } : null;
  }

  // A newer state of the lot outdates an answer: a refusal is about a state gone by (the
  // amount box says if its amount is now too low); "accepted" holds only while this
  // bidder leads; nothing but the closing notice speaks once the lot is over. A bid still
  // awaiting its answer keeps its line.
  function settleReply(newer) {
    if (!reply || reply.kind === "pending") return;
    if (reply.afterSnapshot) {
      reply.afterSnapshot = false;
      reply.version = state.version;
      return;
    }
    const outdated = isFinished(state)
      || (newer && reply.kind === "error")
      || (reply.kind === "ok" && state.leader !== "you" && state.version > reply.version);
    if (outdated) feedback("", "");
  }

  // Say under the amount box what it holds, read by this language's rules: the amount it
  // would bid, or why it cannot, or that the lot has moved past it.
  function describeAmount() {
    const input = $("bid-amount");
    if (!input) return null;
    const parsed = readAmount(input.value);
    let message = "";
    let kind = "";
    if (parsed.error && parsed.error !== "empty") {
      kind = "error";
      message = fill(text.amountErrors[parsed.error], {
        input: input.value.trim(),
        example: amounts.write(EXAMPLE_CENTS, money, false),
        amount: parsed.thousands ? amounts.write(parsed.thousands, money, true) : "",
        grouped: parsed.thousands ? amounts.write(parsed.thousands, money, false) : "",
      });
    } else if (parsed.cents !== undefined && !isFinished(state)) {
      const written = amounts.write(parsed.cents, money, true);
      if (parsed.cents < toCents(state.min_next_bid)) {
        kind = "warning";
        message = fill(text.belowMinimum, { amount: written, minimum: formatKzt(state.min_next_bid) });
      } else if (ceilingCents !== null && parsed.cents > ceilingCents) {
        kind = "warning";
        message = fill(text.aboveCeiling, { amount: written, ceiling: amounts.write(ceilingCents, money, true) });
      } else {
        kind = "ok";
        message = fill(text.echo, { amount: written });
      }
    }
    const note = $("bid-echo");
    note.textContent = message;
    note.dataset.kind = kind;
    if (kind === "error" || kind === "warning") input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    return parsed;
  }

  // The participant's bid ceiling: said beside the bid box; quick amounts above it are not
  // offered (the server refuses such a bid anyway, with code above_limit).
  function applyCeiling(frame) {
    const note = $("bid-ceiling");
    if (!note) return;
    ceilingCents = frame && frame.amount !== null ? toCents(frame.amount) : null;
    note.textContent = ceilingCents === null ? "" : frame.message;
    note.hidden = ceilingCents === null;
    offerQuickAmounts();
    describeAmount();
  }

  function offerQuickAmounts() {
    const bidForm = $("bid-form");
    if (!bidForm) return;
    bidForm.querySelectorAll("[data-steps]").forEach(function (button) {
      const amount = toCents(state.min_next_bid) + (BigInt(button.dataset.steps) - 1n) * step;
      button.dataset.aboveCeiling = ceilingCents !== null && amount > ceilingCents ? "true" : "";
    });
    setBiddingOpen(isBiddingOpen());
  }

  function handle(frame) {
    switch (frame.type) {
      case "ceiling":
        applyCeiling(frame);
        break;
      case "state":
        applyState(frame);
        offerQuickAmounts();
        break;
      case "bid_accepted":
        pending.delete(frame.key);
        hasBid = true;
        feedback(fill(text.accepted, { amount: formatKzt(frame.amount) }), "ok");
        if ($("bid-amount")) $("bid-amount").value = "";
        describeAmount();
        setBiddingOpen(isBiddingOpen());
        break;
      case "sealed_bid":
        sealedReceived(frame);
        break;
      case "bid_rejected":
        if (sealedKey !== null && frame.key === sealedKey) {
          sealedRefused(frame);
          break;
        }
        pending.delete(frame.key);
        feedback(frame.message, "error");
        setBiddingOpen(isBiddingOpen());
        break;
      case "closed":
        if (frame.state) applyState(frame.state);
        renderClosed(frame.message);
        break;
      case "maximum":
      case "maximum_accepted":
      case "maximum_rejected":
        handleMaximum(frame);
        break;
      case "pong":
        clearTimeout(pongTimer);
        clockOffset = Date.parse(frame.server_time) - Date.now();
        break;
      case "heartbeat":
        // The lot moved on while a broadcast was lost (the channel layer was down): ask
        // for the state again, at most once a beat.
        clockOffset = Date.parse(frame.server_time) - Date.now();
        if (frame.version > state.version && Date.now() - resyncAskedAt > RESYNC_AFTER_MS) {
          resyncAskedAt = Date.now();
          socket.send(JSON.stringify({ type: "resync" }));
        }
        break;
      case "error":
        if (frame.code === "seat_revoked") {
          // What this account may do here changed (its company was suspended): the page
          // is drawn again for the seat it has now.
          refused = true;
          setConnection("refused", frame.message);
          setTimeout(function () { location.reload(); }, 1500);
        } else if (frame.code === "too_many_sockets") {
          waitingForSlot = frame.message;
          setConnection("refused", frame.message);
        } else if (REFUSALS.includes(frame.code)) {
          refused = true;
          setConnection("refused", frame.message);
          pending.clear();
          if (reply && reply.kind === "pending") feedback("", "");
          setBiddingOpen(isBiddingOpen());
        } else if (frame.code !== "rate_limited") {
          // A refused resync needs no word: the next heartbeat asks again.
          feedback(frame.message, "error");
        }
        break;
    }
  }

  function setConnection(kind, message) {
    const node = $("room-connection");
    node.dataset.state = kind;
    node.textContent = message || text[kind] || "";
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(scheme + "//" + location.host + config.socket_path + "?lang=" + encodeURIComponent(lang));
    setConnection(retries ? "reconnecting" : "connecting");
    socket.addEventListener("open", function () {
      retries = 0;
      setConnection("connected");
      // The snapshot on connect is the resync; bids unanswered before a drop are sent
      // again with their own keys, so each is placed at most once.
      pending.forEach(function (bid, key) {
        if (Date.now() - bid.sentAt > RESEND_WITHIN_MS) {
          // Too old to be what the bidder still means: drop it, and say so.
          pending.delete(key);
          feedback(text.notSent, "error", true);
          return;
        }
        feedback(text.sending, "pending");
        socket.send(JSON.stringify({ type: "bid", amount: bid.amount, key: key }));
      });
      setBiddingOpen(isBiddingOpen());
    });
    socket.addEventListener("message", function (event) {
      handle(JSON.parse(event.data));
    });
    socket.addEventListener("close", function () {
      clearTimeout(pongTimer);
      // A maximum unanswered is not sent again: its owner sees the snapshot and decides.
      maximumPending = null;
      if (refused) return;
      if (waitingForSlot) {
        setConnection("refused", waitingForSlot);
        waitingForSlot = "";
        setTimeout(connect, SLOT_RETRY_MS + Math.random() * 1000);
        return;
      }
      setConnection("reconnecting");
      if (pending.size) feedback(text.sendingWhenBack, "pending");
      const delay = Math.min(10000, 500 * 2 ** retries) + Math.random() * 500;
      retries += 1;
      setTimeout(connect, delay);
    });
  }

  // A socket that stops answering is closed and reopened: it never shows stale prices.
  setInterval(function () {
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({ type: "ping" }));
    clearTimeout(pongTimer);
    pongTimer = setTimeout(function () { socket.close(); }, PONG_WITHIN_MS);
  }, PING_EVERY_MS);

  function sendBid(amount) {
    const key = crypto.randomUUID();
    pending.set(key, { amount: amount, sentAt: Date.now() });
    setBiddingOpen(isBiddingOpen());
    if (socket && socket.readyState === WebSocket.OPEN) {
      feedback(text.sending, "pending");
      socket.send(JSON.stringify({ type: "bid", amount: amount, key: key }));
    } else {
      feedback(text.sendingWhenBack, "pending");
    }
  }

  const form = $("bid-form");
  if (form) {
    const input = $("bid-amount");
    const dialog = $("bid-confirm");
    let confirmed = null;
    $("bid-help").textContent = fill(text.amountHelp, {
      example: amounts.write(EXAMPLE_CENTS, money, false),
    });
    input.addEventListener("input", describeAmount);
    form.querySelectorAll("[data-steps]").forEach(function (button) {
      button.addEventListener("click", function () {
        const extra = BigInt(button.dataset.steps) - 1n;
        input.value = amounts.write(toCents(state.min_next_bid) + extra * step, money, false);
        describeAmount();
        input.focus();
      });
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const parsed = describeAmount();
      if (parsed.cents === undefined) {
        if (parsed.error === "empty") {
          $("bid-echo").textContent = text.amountErrors.empty;
          $("bid-echo").dataset.kind = "error";
        }
        input.focus();
        return;
      }
      const cents = parsed.cents;
      const amount = amounts.toWire(cents);
      const base = state.current_price ? toCents(state.current_price) : toCents(state.min_next_bid);
      const steps = (cents - base) / step;
      if (steps > CONFIRM_ABOVE_STEPS && confirmed !== amount) {
        $("confirm-text").textContent = fill(text.confirm, {
          amount: formatKzt(amount), steps: steps.toString(),
        });
        dialog.returnValue = "";
        dialog.showModal();
        return;
      }
      confirmed = null;
      sendBid(amount);
    });
    dialog.addEventListener("close", function () {
      if (dialog.returnValue === "confirm") {
        confirmed = amounts.toWire(readAmount(input.value).cents);
        form.requestSubmit();
      } else {
        input.focus();
      }
    });
  }

  // --- Two-stage lots: the sealed round ---------------------------------------------------
  // One sealed bid per participant while state.round is "sealed"; its receipt (and, once
  // the round closes, its rank) comes in this participant's own `sealed_bid` frame.

  function mayBidOpenly() {
    if (state.format !== "sealed_then_ascending") return true;
    if (state.round === "sealed") return false;
    return !!(sealedReceipt && sealedReceipt.advanced);
  }

  function renderSealed() {
    // The count is everyone's (participants, staff, the gallery); the rest is the bidder's.
    const count = $("sealed-count");
    count.hidden = state.sealed_bids === null || state.sealed_bids === undefined;
    count.textContent = fill(text.sealedCount, { count: String(state.sealed_bids) });
    const inRound = state.round === "sealed" && state.status === "live";
    const section = $("sealed-round");
    if (state.format === "sealed_then_ascending" && !isFinished(state)) {
      const standing = $("room-standing");
      if (inRound) {
        standing.textContent = section ? text.sealedRoundOpen : text.sealedRoundWatch;
        standing.dataset.standing = "none";
      } else if (section && !mayBidOpenly() && state.leader !== "you") {
        standing.textContent = text.sealedNotAdvanced;
        standing.dataset.standing = "watching";
      }
    }
    if (!section) return;
    const form = $("sealed-form");
    if (form) {
      form.hidden = !inRound || sealedReceipt !== null;
      form.querySelectorAll("button, input").forEach(function (control) {
        control.disabled = refused || !inRound || sealedKey !== null;
      });
    }
    const receipt = $("sealed-receipt");
    receipt.hidden = sealedReceipt === null;
    if (sealedReceipt === null) return;
    $("sealed-message").textContent = sealedReceipt.message;
    $("sealed-receipt-amount").textContent =
      sealedReceipt.amount === null ? "—" : formatKzt(sealedReceipt.amount);
    $("sealed-receipt-time").replaceChildren(
      moments.element(sealedReceipt.submitted_at, { seconds: true }),
    );
    $("sealed-receipt-commitment").textContent = sealedReceipt.commitment;
    $("sealed-receipt-nonce").textContent = sealedReceipt.nonce;
  }

  function sealedReceived(frame) {
    if (frame.lot !== config.lot) return;
    sealedReceipt = frame;
    sealedKey = null;
    const feedbackNode = $("sealed-feedback");
    if (feedbackNode) feedbackNode.textContent = "";
    render();
  }

  function sealedRefused(frame) {
    sealedKey = null;
    const node = $("sealed-feedback");
    node.textContent = frame.message;
    node.dataset.kind = "error";
    renderSealed();
  }

  const sealedForm = $("sealed-form");
  if (sealedForm) {
    const input = $("sealed-amount");
    const echo = $("sealed-echo");
    input.addEventListener("input", function () {
      const parsed = readAmount(input.value);
      echo.textContent = parsed.cents === undefined ? "" : fill(text.echo, {
        amount: amounts.write(parsed.cents, money, true),
      });
    });
    sealedForm.addEventListener("submit", function (event) {
      event.preventDefault();
      const parsed = readAmount(input.value);
      const node = $("sealed-feedback");
      if (parsed.cents === undefined) {
        node.textContent = text.amountErrors[parsed.error] ? fill(text.amountErrors[parsed.error], {
          input: input.value.trim(),
          example: amounts.write(EXAMPLE_CENTS, money, false),
          amount: "", grouped: "",
        }) : text.amountErrors.empty;
        node.dataset.kind = "error";
        input.focus();
        return;
      }
      if (!socket || socket.readyState !== WebSocket.OPEN) {
        node.textContent = text.reconnecting;
        node.dataset.kind = "error";
        return;
      }
      sealedKey = crypto.randomUUID();
      node.textContent = text.sealedSending;
      node.dataset.kind = "pending";
      socket.send(JSON.stringify({
        type: "sealed_bid", amount: amounts.toWire(parsed.cents), key: sealedKey,
      }));
      renderSealed();
    });
  }

  setUpMaximumForm();
  renderMaximum();
  render();
  applyCeiling(config.ceiling);
  setInterval(tick, 250);
  connect();
})();
