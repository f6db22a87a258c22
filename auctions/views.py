"""Auction pages: the live room, and afterwards the published results, bid logs and
results protocols."""

import csv
import io
import json
from collections.abc import Iterable
from datetime import UTC
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_countries.fields import Country

from auctions import ceilings, charts, engine, invoices, live, pauses, sealed, selectors
from auctions.event_root import event_root
from auctions.filters import LotFilter
from auctions.hashchain import BID_LOG_FIELDS, FORMULA, GENESIS_HASH, bid_log_entry
from auctions.models import AuctionEvent, BankDetails, Erratum, Lot
from auctions.protocol import issue_protocol
from core.errors import DomainError
from core.exports import formula_safe
from core.pagination import page_of
from core.pdf import issued_pdf_response, pdf_response
from core.signing import sign_detached


@never_cache
@login_required
@require_GET
def room(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the live auction room of a lot to its participants and to staff."""
    try:
        seat = live.take_seat(user=request.user, lot_id=pk)
    except DomainError as error:
        if error.code == "lot_not_found":
            raise Http404(error.message) from None
        raise PermissionDenied(error.message) from None
    lot = Lot.objects.select_related("deposit", "event").get(pk=pk)
    state = live.personal_state(live.lot_state(pk), seat.participant_number)
    # A two-stage lot's participant sees its own sealed bid's receipt, and later its rank.
    own_sealed_bid = (
        sealed.own_sealed_bid(user=request.user, lot_id=pk)
        if lot.is_two_stage and seat.participant_number is not None
        else None
    )
    sealed_receipt = None if own_sealed_bid is None else sealed.receipt(own_sealed_bid)
    return render(
        request,
        "auctions/room.html",
        {
            "lot": lot,
            "seat": seat,
            "state": state,
            "room": {
                "lot": lot.pk,
                "socket_path": f"/ws/lots/{lot.pk}/",
                "participant_number": seat.participant_number,
                "bid_step": f"{lot.bid_step:.2f}",
                # The engine's limit, so the amount box refuses what a bid would be refused.
                "max_whole_digits": engine.MAX_WHOLE_DIGITS,
                "state": state,
                "sealed_receipt": sealed_receipt,
                # The participant's own bid ceiling; the socket sends it again when it changes.
                "ceiling": (
                    ceilings.own_frame(user=request.user, lot_id=pk)
                    if seat.may_bid and lot.bid_ceiling != Lot.BidCeiling.NONE
                    else None
                ),
            },
            "sealed_receipt": sealed_receipt,
            "own_sealed_bid": own_sealed_bid,
            "sealed_amount": (
                None
                if sealed_receipt is None or sealed_receipt["amount"] is None
                else Decimal(sealed_receipt["amount"])
            ),
            "strings": room_strings(),
            "soft_close_minutes": int(lot.soft_close_window.total_seconds() // 60),
        },
    )


def room_strings() -> dict[str, object]:
    """Return the room script's texts in the page's language; %(name)s marks a value."""
    return {
        "participant": _("Participant %(number)s"),
        "you": _("You"),
        "noBids": _("No bids yet"),
        "noBidsRow": _("No bids yet."),
        "leading": _("You are leading."),
        "outbid": _("You have been outbid: Participant %(number)s leads."),
        "leaderIs": _("Participant %(number)s leads."),
        "openingBid": _("No bids yet: the first bid must be at least the starting price."),
        "connecting": _("Connecting…"),
        "connected": _("Connected"),
        "reconnecting": _("Connection lost; reconnecting…"),
        "extended": _("Extended: a late bid moved the end to %(time)s."),
        "startsIn": _("Starts in"),
        "timeLeft": _("Time left"),
        "ended": _("Bidding has ended. The result is published after the event."),
        "notStarted": _("The auction has not started yet."),
        "closedAwarded": _("The lot is closed. The result is published after the event."),
        "closedFailed": _("The lot failed: it had no valid bids or too few participants."),
        "closedCancelled": _("The lot was cancelled."),
        # Staff's reason or the platform's own (participants dropped, a failure): both read
        # after "paused:".
        "paused": _(
            "The auction is paused: %(reason)s The time left is kept and given back when it "
            "resumes."
        ),
        "confirm": _("%(amount)s is %(steps)s bid steps above the current price. Place it?"),
        "sending": _("Sending your bid…"),
        "notSent": _(
            "The connection dropped before your bid was answered; check the price and bid again."
        ),
        "accepted": _("Your bid of %(amount)s is accepted."),
        "sendingWhenBack": _(
            "The connection is down: your bid is sent if it is back within five seconds of "
            "your click, and dropped after that."
        ),
        "echo": _("You are bidding %(amount)s."),
        "belowMinimum": _("%(amount)s is below the minimum now: %(minimum)s."),
        "aboveCeiling": _("%(amount)s is above your bid ceiling of %(ceiling)s."),
        "amountHelp": _(
            "Write the amount like %(example)s. The quick buttons fill in the amount; nothing "
            "is sent until you place the bid."
        ),
        "amountErrors": {
            "empty": _("Enter an amount."),
            "invalid": _("Enter the amount in tenge as digits, e.g. %(example)s."),
            "layout": _(
                "Write the amount like %(example)s: thousands in groups of three digits, at "
                "most two digits after the decimal sign."
            ),
            "ambiguous": _(
                "%(input)s could mean %(amount)s: write it as %(grouped)s, or give at most "
                "two digits after the decimal sign."
            ),
            "too_large": _("That is more than any bid can be."),
        },
        "statuses": {value: str(label) for value, label in Lot.Status.choices},
        # Two-stage lots' sealed round.
        "sealedCount": _("Sealed bids received so far: %(count)s. Amounts stay sealed."),
        "sealedEndsIn": _("Sealed round ends in"),
        "sealedSending": _("Sending your sealed bid…"),
        "sealedRoundOpen": _(
            "Sealed round: submit your one sealed bid below. Open bidding starts when it closes."
        ),
        "sealedNotAdvanced": _("Your company no longer bids in this lot."),
        "sealedRoundWatch": _(
            "Sealed round: each participant submits one sealed bid; open bidding starts "
            "when the round closes."
        ),
        # Proxy (maximum) bids.
        "automatic": _("automatic"),
        "forYourMaximum": _("for your maximum"),
        "maximumNone": _("No maximum set."),
        "maximumSending": _("Setting your maximum…"),
        "maximumAccepted": _("Your maximum of %(amount)s is set."),
    }


# --- Results: public once the event's results are published ----------------------------------


@require_GET
def results(request: HttpRequest) -> HttpResponse:
    """Show the published results: totals over every event, charts by mineral group and by
    region, and each event with its totals."""
    events = [
        (event, selectors.results.totals_of(event))
        for event in selectors.results.events_with_published_results()
    ]
    lots = selectors.results.offered_lots_of_published_events()
    context = {
        "events": events,
        "overall": selectors.breakdowns.overall_totals(totals for _event, totals in events),
        "by_group": charts.mineral_group_figure(selectors.breakdowns.mineral_group_breakdown(lots)),
        "by_region": charts.region_figure(selectors.breakdowns.region_breakdown(lots)),
    }
    return render(request, "auctions/results.html", context)


def _event_with_visible_results(request: HttpRequest, code: str) -> AuctionEvent:
    """Return the event, with its totals, if its results are published or the user is staff
    who may preview them; 404 otherwise, as if it had no results."""
    events = selectors.results.with_errata_flag(
        selectors.results.with_totals(AuctionEvent.objects.all())
    )
    event = get_object_or_404(events, code=code)
    if not event.are_results_published and not selectors.visibility.may_preview_results(
        request.user
    ):
        raise Http404("No published results for this event.")
    return event


@require_GET
def event_results(request: HttpRequest, code: str) -> HttpResponse:
    """Show an event's totals, charts and each lot's outcome; staff preview them unpublished."""
    event = _event_with_visible_results(request, code)
    published = event.are_results_published
    lots = selectors.results.offered_lots_of_event(event.pk)
    result_lots = list(selectors.results.event_lots_with_results(event.pk, published=published))
    for lot in result_lots:
        lot.winner_country = Country(lot.winner_country or "")
        lot.ceiling_label = (
            Lot.BidCeiling(lot.ceiling_rule).label
            if lot.ceiling_rule and lot.ceiling_rule != Lot.BidCeiling.NONE
            else ""
        )
    context = {
        "event": event,
        "totals": selectors.results.totals_of(event),
        "lots": result_lots,
        "errata": selectors.results.event_errata(event.pk) if event.has_errata else [],
        "root_hash": event_root(event),
        "is_preview": not published,
        "by_group": charts.mineral_group_figure(
            selectors.breakdowns.mineral_group_breakdown(lots, published=published)
        ),
        "by_region": charts.region_figure(
            selectors.breakdowns.region_breakdown(lots, published=published)
        ),
    }
    return render(request, "auctions/event_results.html", context)


RESULTS_CSV_FIELDS = (
    "event_code",
    "event",
    "lot_number",
    "deposit",
    "region",
    "minerals",
    "licence_type",
    "licence_term_years",
    "outcome",
    "winner",
    "winner_country",
    "winning_bonus_kzt",
    "bid_count",
    "closed_at_utc",
    # The bid ceiling in force when the lot closed, as its result records it
    # (`auctions.ceilings`): the rule's code, the deposit's multiple, the winner's ceiling.
    "bid_ceiling",
    "bid_ceiling_multiple",
    "winner_ceiling_kzt",
    "errata",
)


@require_GET
def results_csv(request: HttpRequest) -> HttpResponse:
    """Send every published event's results as CSV, one lot a row."""
    return _results_csv(
        selectors.results.lots_of_published_events_with_results(), "nedra-results.csv"
    )


@require_GET
def event_results_csv(request: HttpRequest, code: str) -> HttpResponse:
    """Send an event's results as CSV, one lot a row; 404 before publication, as its page."""
    event = _event_with_visible_results(request, code)
    published = event.are_results_published
    lots = selectors.results.event_lots_with_results(event.pk, published=published).select_related(
        "event"
    )
    return _results_csv(lots, f"nedra-results-{event.code}.csv")


def _results_csv(lots: Iterable[Lot], filename: str) -> HttpResponse:
    lots = list(lots)
    # Only lots with an erratum cost a query, and one for all of them.
    corrected = [lot.pk for lot in lots if getattr(lot, "has_errata", False)]
    notes: dict[int, list[str]] = {}
    for erratum in selectors.results.lot_errata(corrected) if corrected else []:
        notes.setdefault(erratum.lot_id, []).append(_erratum_note(erratum))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # The byte-order mark makes Excel, which the press and investors open this in, read
    # UTF-8 (Cyrillic and Chinese names) instead of the machine's legacy code page.
    response.write("\ufeff")
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerow(RESULTS_CSV_FIELDS)
    writer.writerows(
        [formula_safe(cell) for cell in [*_result_row(lot), " | ".join(notes.get(lot.pk, []))]]
        for lot in lots
    )
    return response


def _erratum_note(erratum: Erratum) -> str:
    """Write an erratum as a CSV note: its date, what changed from what to what, and why."""
    return (
        f"{erratum.published_at.astimezone(UTC):%Y-%m-%d}: {erratum.field} "
        f"{erratum.old_value} -> {erratum.new_value} ({erratum.reason})"
    )


def _result_row(lot: Lot) -> list[object]:
    """Return a lot's CSV row: names in the page's language, codes and amounts as data."""
    awarded = lot.is_awarded
    finished = lot.is_finished
    return [
        lot.event.code,
        lot.event.name,
        lot.number,
        lot.deposit.name,
        lot.deposit.region.name,
        "; ".join(mineral.name for mineral in lot.deposit.minerals.all()),
        lot.licence_type,
        lot.licence_term_years,
        _outcome(lot),
        lot.winner_legal_name if awarded else "",
        lot.winner_country if awarded else "",
        f"{lot.winning_bonus:.2f}" if awarded else "",
        lot.result_bid_count if finished else "",
        lot.closed_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if finished and lot.closed_at
        else "",
        (lot.ceiling_rule or "") if finished else "",
        f"{lot.ceiling_multiple:.2f}" if finished and lot.ceiling_multiple is not None else "",
        f"{lot.winner_ceiling:.2f}" if awarded and lot.winner_ceiling is not None else "",
    ]


def _outcome(lot: Lot) -> str:
    if not lot.is_finished:
        return "not_finished"
    if lot.is_awarded:
        return "awarded"
    return "cancelled" if lot.status == Lot.Status.CANCELLED else "failed"


def _lot_with_visible_bid_log(request: HttpRequest, pk: int) -> Lot:
    return get_object_or_404(selectors.visibility.lots_with_visible_bid_log(request.user), pk=pk)


@require_GET
def bid_log(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a finished lot's full bid log with every hash, and how to verify it."""
    lot = _lot_with_visible_bid_log(request, pk)
    context = {
        "lot": lot,
        # The page marks the bids placed for a maximum; the signed downloads keep exactly
        # the hashed fields (DESIGN.md section 4), and no maximum is published.
        "bids": [
            {**bid_log_entry(bid), "automatic": bid.automatic}
            for bid in selectors.results.bid_log(lot.pk)
        ],
        "formula": FORMULA,
        "is_preview": not lot.event.are_results_published,
        "pauses": pauses.public_record(lot.pk),
        # A two-stage lot's first round, revealed at its close.
        "sealed_bids": sealed.sealed_log(lot.pk) if lot.is_two_stage else [],
        "commitment_formula": sealed.COMMITMENT_FORMULA,
    }
    return render(request, "auctions/bid_log.html", context)


def bid_log_csv_bytes(lot: Lot) -> bytes:
    """Return a finished lot's bid log as the CSV download's exact bytes."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=BID_LOG_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(bid_log_entry(bid) for bid in selectors.results.bid_log(lot.pk))
    return buffer.getvalue().encode()


def bid_log_json_bytes(lot: Lot) -> bytes:
    """Return a finished lot's bid log as the JSON download's exact bytes."""
    document = {
        "lot_id": lot.pk,
        "lot_number": lot.number,
        "event": lot.event.code,
        "formula": FORMULA,
        "genesis_hash": GENESIS_HASH,
        "bids": [bid_log_entry(bid) for bid in selectors.results.bid_log(lot.pk)],
        "pauses": pauses.record_for_download(lot.pk),
    }
    if lot.is_two_stage:
        # The sealed round before the chain: its best bid is the chain's first.
        document["sealed_round"] = {
            "commitment_formula": sealed.COMMITMENT_FORMULA,
            "sealed_bids": sealed.sealed_log(lot.pk),
        }
    return json.dumps(document, cls=DjangoJSONEncoder, indent=2).encode()


@require_GET
def bid_log_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a finished lot's bid log as CSV: the published fields, one bid a row."""
    lot = _lot_with_visible_bid_log(request, pk)
    response = HttpResponse(bid_log_csv_bytes(lot), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="nedra-lot-{lot.pk}-bids.csv"'
    return response


@require_GET
def bid_log_json(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a finished lot's bid log as JSON, with the lot id and the hash formula."""
    lot = _lot_with_visible_bid_log(request, pk)
    response = HttpResponse(bid_log_json_bytes(lot), content_type="application/json")
    response["Content-Disposition"] = f'inline; filename="nedra-lot-{lot.pk}-bids.json"'
    return response


@require_GET
def bid_log_signature(request: HttpRequest, pk: int, extension: str) -> HttpResponse:
    """Send the detached CMS signature (DER) of the lot's CSV or JSON bid log as it is now:
    `openssl cms -verify` checks the download against it (README, "Signed documents")."""
    lot = _lot_with_visible_bid_log(request, pk)
    content = bid_log_csv_bytes(lot) if extension == "csv" else bid_log_json_bytes(lot)
    response = HttpResponse(sign_detached(content), content_type="application/pkcs7-signature")
    response["Content-Disposition"] = (
        f'attachment; filename="nedra-lot-{lot.pk}-bids.{extension}.sig"'
    )
    return response


@require_GET
def protocol(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a finished lot's results protocol (PDF) to staff and its participants, and to
    everyone once published."""
    lot = get_object_or_404(selectors.visibility.lots_with_visible_protocol(request.user), pk=pk)
    return issued_pdf_response(
        issue_protocol(lot_id=lot.pk, base_url=request.build_absolute_uri("/"))
    )


# --- Catalogue ----------------------------------------------------------------------------


@require_GET
def lot_catalogue(request: HttpRequest) -> HttpResponse:
    """List the public lots by mineral, region, licence type, status and event, with search.

    A filter value that does not validate is dropped and shown as a form error; the others
    still apply.
    """
    lots = LotFilter(request.GET, queryset=selectors.catalogue.catalogue_lots())
    page = page_of(lots.qs, request)
    return render(request, "auctions/catalogue.html", {"filter": lots, "page": page})


@never_cache
@login_required
@require_GET
def payment_invoice(request: HttpRequest, reference: str) -> HttpResponse:
    """Send the invoice (PDF) of one of the user's company's payments, else 404.

    404 too while the ministry's bank details are not set: an invoice without them would
    send money nowhere.
    """
    payment = get_object_or_404(
        selectors.visibility.payments_visible_to(request.user), reference=reference
    )
    bank = BankDetails.load()
    if not bank.is_complete:
        raise Http404(_("The ministry's bank details are not set yet."))
    return pdf_response(invoices.payment_invoice(payment, bank), invoices.invoice_filename(payment))
