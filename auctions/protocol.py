"""The results protocol of a finished lot: the document of record of its auction (PDF).

Participants appear by number; by company name too once the lot's result is published,
and then as published (a company renamed since does not change the document; an erratum
does), so the same lot gives the same document to everyone at a given moment.

Every protocol is issued (core.documents): signed with the ministry's key, stored with
its hash and verification code, and served as stored; a new content (the publication, an
erratum, a later lot changing the event's root hash) issues a new one that supersedes it.
"""

from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from fpdf.enums import Align
from fpdf.fonts import FontFace

from auctions import sealed, selectors
from auctions.event_root import event_root
from auctions.hashchain import GENESIS_HASH
from auctions.models import Lot, PublishedResult, Result
from core.documents import Seal, issue_document
from core.models import IssuedDocument
from core.money import format_kzt
from core.pdf import FAMILY, MONO, NedraPDF

SHORT_HASH = 16


def protocol_filename(lot: Lot) -> str:
    """Return the protocol's download name, e.g. 'results-protocol-june-2025-lot-3.pdf'."""
    return f"results-protocol-{lot.event.code}-lot-{lot.number}.pdf"


def issue_protocol(*, lot_id: int, base_url: str) -> IssuedDocument:
    """Return the lot's signed results protocol in the active language, as issued: the one
    already issued for its present content, or a new one (superseding the last)."""
    lot = Lot.objects.select_related("event", "deposit").get(pk=lot_id)
    return issue_document(
        kind=IssuedDocument.Kind.RESULTS_PROTOCOL,
        subject=f"lot:{lot.pk}",
        language=get_language() or "en",
        facts=protocol_facts(lot),
        filename=protocol_filename(lot),
        reason=_("Results protocol of lot %(number)s") % {"number": lot.number},
        base_url=base_url,
        render=lambda seal: results_protocol(lot_id, seal=seal).sealed_output(),
    )


def protocol_facts(lot: Lot) -> dict[str, object]:
    """Return what the lot's protocol says now, in brief: its identity, outcome, names once
    published and the hashes that pin its bid log and its event."""
    published = selectors.visibility.public_result(lot)
    result = Result.objects.filter(lot=lot).first()
    shown = published or result
    awarded = selectors.results.is_awarded(lot, shown)
    facts: dict[str, object] = {
        "event": lot.event.name,
        "event_code": lot.event.code,
        "lot_id": lot.pk,
        "lot_number": lot.number,
        "deposit": lot.deposit.name,
        "status": lot.status,
        "status_reason": lot.status_reason,
        "published_at": published.published_at.isoformat() if published else None,
        "winner_participant_number": (
            (published.winner_participant_number if published else result.winner.participant_number)
            if awarded
            else None
        ),
        "winner": published.winner_legal_name if published and awarded else "",
        "winning_bonus": f"{shown.winning_bonus:.2f}" if awarded else None,
        "bid_count": shown.bid_count if shown else lot.bid_count,
        "participants": published.participants if published else None,
        "chain_head": lot.last_bid_hash or GENESIS_HASH,
        "event_root": event_root(lot.event) if published else None,
    }
    ceiling = _ceiling_in_force(shown)
    if ceiling is not None:
        # Only lots that had a ceiling: the others' issued protocols still match. The
        # winner's ceiling (its money secured) once published, as its name.
        rule, multiple, winner_ceiling = ceiling
        facts["bid_ceiling"] = [
            rule,
            None if multiple is None else f"{multiple:.2f}",
            f"{winner_ceiling:.2f}"
            if published and awarded and winner_ceiling is not None
            else None,
        ]
    if lot.is_two_stage:
        # Plain lots' facts stay as they were: their issued protocols still match.
        facts["sealed_round"] = [
            (entry["rank"], entry["participant_number"], entry["amount"], entry["commitment"])
            for entry in sealed.sealed_log(lot.pk)
        ]
    return facts


def results_protocol(lot_id: int, *, seal: Seal | None = None) -> NedraPDF:
    """Write the results protocol of a finished lot, with its seal when it is issued."""
    lot = Lot.objects.select_related("event", "deposit", "deposit__region").get(pk=lot_id)
    result = Result.objects.select_related("winner").filter(lot=lot).first()
    published = selectors.visibility.public_result(lot)
    are_names_public = published is not None
    if published is not None:
        participants = [
            (entry["number"], f"{entry['legal_name']} ({entry['country']})")
            for entry in published.participants
        ]
    else:
        participants = [
            (application.participant_number, "")
            for application in selectors.participants.admitted_participants(lot_id)
        ]
    bids = list(selectors.results.bid_log(lot_id))

    title = _("Results protocol: lot %(number)s") % {"number": lot.number}
    pdf = NedraPDF(title=title, subject=f"{lot.event.name}: {lot.deposit.name}", seal=seal)
    pdf.heading(title, size=16)
    pdf.paragraph(f"{lot.event.name} · {lot.deposit.name}")
    if published is not None:
        pdf.paragraph(
            _("Results published on %(date)s.") % {"date": _astana(published.published_at)}
        )
    else:
        pdf.paragraph(
            _(
                "Results not yet published: participants are shown by number only. The "
                "published protocol adds their names."
            )
        )

    pdf.heading(_("Lot"), size=12)
    term = ngettext("%(years)s year", "%(years)s years", lot.licence_term_years) % {
        "years": lot.licence_term_years
    }
    _details(
        pdf,
        [
            (_("Event"), lot.event.name),
            (_("Lot number"), str(lot.number)),
            (_("Deposit"), f"{lot.deposit.name} ({lot.deposit.region.name})"),
            (_("Licence"), f"{lot.get_licence_type_display()}, {term}"),
            (_("Starting price (minimum signature bonus)"), format_kzt(lot.starting_price)),
            (_("Bid step"), format_kzt(lot.bid_step)),
            (_("Auction start"), _astana(lot.starts_at)),
        ],
    )

    pdf.heading(_("Participants"), size=12)
    if participants:
        with pdf.table(
            col_widths=(30, 144) if are_names_public else (174,), text_align=Align.L
        ) as table:
            heading = table.row()
            heading.cell(_("Participant"))
            if are_names_public:
                heading.cell(_("Company"))
            for number, name in participants:
                row = table.row()
                row.cell(str(number))
                if are_names_public:
                    row.cell(name)
    else:
        pdf.paragraph(_("No participant was admitted."))
    pdf.ln(2)

    if lot.is_two_stage:
        _sealed_round(pdf, lot)

    pdf.heading(_("Bid ladder"), size=12)
    if bids:
        mono = FontFace(family=MONO, size_pt=8)
        pdf.set_font(FAMILY, size=9)
        with pdf.table(
            col_widths=(12, 24, 50, 38, 50),
            text_align=(Align.R, Align.R, Align.R, Align.L, Align.L),
        ) as table:
            heading = table.row()
            for label in (_("No."), _("Participant"), _("Amount"), _("Time (Astana)"), _("Hash")):
                heading.cell(label)
            for bid in bids:
                row = table.row()
                row.cell(str(bid.sequence))
                row.cell(str(bid.participant_number))
                row.cell(format_kzt(bid.amount))
                row.cell(_astana(bid.placed_at, seconds=True))
                row.cell(bid.hash[:SHORT_HASH] + "…", style=mono)
        pdf.set_font(FAMILY, size=10)
        pdf.ln(1)
        pdf.paragraph(_("Hash of the last bid, the head of the lot's hash chain:"))
        pdf.set_font(MONO, size=9)
        pdf.paragraph(bids[-1].hash)
        pdf.set_font(FAMILY, size=10)
    else:
        pdf.paragraph(_("No bids were placed."))
    pdf.ln(2)

    pdf.heading(_("Outcome"), size=12)
    outcome = [(_("Status"), lot.get_status_display())]
    # Once published, the figures are the published ones, errata included.
    shown = published or result
    if selectors.results.is_awarded(lot, shown):
        if published is not None:
            winner = _("Participant %(number)s") % {"number": published.winner_participant_number}
            winner += f": {published.winner_legal_name}"
        else:
            winner = _("Participant %(number)s") % {"number": result.winner.participant_number}
        outcome += [
            (_("Winner"), winner),
            (_("Winning signature bonus"), format_kzt(shown.winning_bonus)),
        ]
    elif lot.status_reason:
        outcome.append((_("Reason"), lot.status_reason))
    ceiling = _ceiling_in_force(shown)
    if ceiling is not None:
        rule, multiple, winner_ceiling = ceiling
        label = str(Lot.BidCeiling(rule).label)
        if multiple is not None:
            label += f" (\u00d7 {multiple.normalize():f})"
        outcome.append((_("Bid ceiling in force"), label))
        awarded = selectors.results.is_awarded(lot, shown)
        if published is not None and awarded and winner_ceiling is not None:
            # The winner's money secured, once published, as its name.
            outcome.append((_("The winner's ceiling"), format_kzt(winner_ceiling)))
    outcome += [
        (_("Bids"), str(shown.bid_count if shown else lot.bid_count)),
        (_("Closed at"), _astana(result.closed_at) if result else "—"),
    ]
    _details(pdf, outcome)

    root = event_root(lot.event) if are_names_public else None
    if root is not None:
        pdf.heading(_("Root hash of the event"), size=12)
        pdf.paragraph(
            _(
                "One hash over the final chain head of every lot of %(event)s published so "
                "far, in lot order: recompute it from the published bid logs (the rule is in "
                "Nedra's README and tools/verify_event_root.py)."
            )
            % {"event": lot.event.name}
        )
        pdf.set_font(MONO, size=9)
        pdf.paragraph(root)
        pdf.set_font(FAMILY, size=10)
    return pdf


def _ceiling_in_force(
    shown: Result | PublishedResult | None,
) -> tuple[str, Decimal | None, Decimal | None] | None:
    """Return the bid ceiling the result records (rule, the deposit's multiple, the
    winner's ceiling), or None for a lot without one."""
    if shown is None or shown.bid_ceiling == Lot.BidCeiling.NONE:
        return None
    return shown.bid_ceiling, shown.bid_ceiling_multiple, shown.winner_ceiling


def _sealed_round(pdf: NedraPDF, lot: Lot) -> None:
    """Write a two-stage lot's sealed round: each sealed bid by rank, revealed at its close."""
    pdf.heading(_("Sealed round"), size=12)
    ranked = sealed.sealed_log(lot.pk)
    if not ranked:
        pdf.paragraph(_("No sealed bid was submitted."))
        pdf.ln(2)
        return
    pdf.paragraph(
        _(
            "Each participant submitted one sealed bid; the best went on to the ascending "
            "round, whose first bid is the highest sealed bid."
        )
    )
    with pdf.table(
        col_widths=(20, 34, 60, 60), text_align=(Align.R, Align.R, Align.R, Align.L)
    ) as table:
        heading = table.row()
        for label in (_("Rank"), _("Participant"), _("Sealed bid"), _("Ascending round")):
            heading.cell(label)
        for entry in ranked:
            row = table.row()
            row.cell(str(entry["rank"]))
            row.cell(str(entry["participant_number"]))
            row.cell(format_kzt(Decimal(entry["amount"])))
            row.cell(_("went on") if entry["advanced"] else _("stopped"))
    pdf.ln(2)


def _details(pdf: NedraPDF, rows: list[tuple[str, str]]) -> None:
    """Write label/value pairs as a borderless two-column table."""
    with pdf.table(
        col_widths=(78, 96), text_align=Align.L, borders_layout="NONE", first_row_as_headings=False
    ) as table:
        for label, value in rows:
            row = table.row()
            row.cell(label)
            row.cell(value)
    pdf.ln(2)


def _astana(moment: datetime | None, *, seconds: bool = False) -> str:
    """Write a moment in Astana time: '2025-06-12 14:03 Astana time (UTC+5)' (never "AST",
    read as Atlantic or Arabia time), or '2025-06-12 14:03:07' to the second where a
    column heading already says Astana."""
    if moment is None:
        return "—"
    if seconds:
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M} " + _("Astana time (UTC+5)")
