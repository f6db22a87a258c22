"""Open data: every published event as Open Contracting Data Standard (OCDS 1.1) releases
and records, at /api/ocds/.

One event is one contracting process (one `ocid`), its lots the tender's lots (the OCDS
lots extension). Only what was published goes out, read from the frozen PublishedResult
snapshots, their errata and the licences of published lots; an event whose results are not
published does not exist here. Published data never changes, so neither does a release:
every later fact (a lot published late, an erratum, a licence paid, forfeited or expired)
is a new release, dated when it happened, carrying the whole process as it stood then.
A record compiles them (later releases win, arrays of objects merge by `id`).

Amounts are JSON numbers written from the Decimal itself, never through a float.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django_countries import countries
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from auctions.identity import anonymous_lots
from auctions.models import Application, AuctionEvent, Erratum, Lot, PublishedResult, Result
from core.api_errors import NOT_FOUND, RATE_LIMITED
from core.pagination import PublicReadMixin
from licensing.models import Licence

OCDS_VERSION = "1.1"
CURRENCY = "KZT"
LOTS_EXTENSION = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/"
    "v1.1.5/extension.json"
)
BUYER_ID = "buyer"
TAG = "open data"
# The errata OCDS carries: the winner's name and country (its party) and the bonus (its
# award). A corrected bid count or exchange rate has no OCDS field, so no release.
RELEASED_ERRATA = (
    Erratum.Field.WINNER_LEGAL_NAME,
    Erratum.Field.WINNER_COUNTRY,
    Erratum.Field.WINNING_BONUS,
)
TENDER_STATUS: dict[str, str] = {
    Lot.Status.CLOSED: "complete",
    Lot.Status.FAILED: "unsuccessful",
    Lot.Status.CANCELLED: "cancelled",
}
CONTRACT_STATUS: dict[str, str] = {
    Licence.Status.AWAITING_PAYMENT: "pending",
    Licence.Status.ACTIVE: "active",
    Licence.Status.SUSPENDED: "active",
    Licence.Status.FORFEITED: "cancelled",
    Licence.Status.REVOKED: "cancelled",
    Licence.Status.EXPIRED: "terminated",
}


def ocid_of(event: AuctionEvent) -> str:
    """Return the event's ocid: the configured prefix and the event's id, which never
    changes (its code may be corrected by staff; its row id cannot)."""
    return f"{settings.OCDS_PREFIX}-nedra-event-{event.pk}"


def published_events() -> QuerySet[AuctionEvent]:
    """Return the events whose results are published, oldest publication first."""
    return AuctionEvent.objects.filter(results_published_at__isnull=False).order_by(
        "results_published_at", "pk"
    )


def published_event(code: str) -> AuctionEvent:
    """Return the published event with this code; 404 for any other."""
    event = published_events().filter(code=code).first()
    if event is None:
        raise Http404
    return event


# --- The facts of one event, read once -----------------------------------------------


@dataclass
class Moment:
    """One release: when, why (the suffix of its id) and what OCDS calls it."""

    at: datetime
    key: str
    tags: list[str]


@dataclass
class LicenceHistory:
    """A licence of a published lot and the dated changes of its status we can tell."""

    licence: Licence
    holder_party: str
    award_id: str
    is_winners: bool
    changes: list[tuple[datetime, str]] = field(default_factory=list)

    def status_at(self, moment: datetime) -> str | None:
        """Return the licence's status at the moment, None before it existed (publicly)."""
        current = None
        for at, status in self.changes:
            if at <= moment:
                current = status
        return current


@dataclass
class EventFacts:
    event: AuctionEvent
    results: list[PublishedResult]
    errata: list[Erratum]
    # (lot id, participant number) -> the company's party id.
    party_of_number: dict[tuple[int, int], str]
    licences: list[LicenceHistory]
    # The event's lots other than drafts: the tender is complete once each has a result.
    offered_lots: int


def _astana_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _party_id(company_id: int) -> str:
    # A company's party id is the same in every lot and every event, and says nothing of
    # the company beyond being one: a digest, not its registration number.
    digest = hashlib.sha256(f"nedra-company:{company_id}".encode()).hexdigest()[:16]
    return f"org-{digest}"


def event_facts(event: AuctionEvent) -> EventFacts:
    """Read what the event published: snapshots, errata, participants' parties, licences."""
    results = list(
        PublishedResult.objects.filter(lot__event=event)
        # Only lots whose participants the identity policy lets anyone name.
        .exclude(anonymous_lots("lot__"))
        .select_related("lot", "lot__deposit")
        .order_by("lot__number")
    )
    lot_ids = [result.lot_id for result in results]
    errata = list(
        Erratum.objects.filter(event=event, lot_id__in=lot_ids, field__in=RELEASED_ERRATA).order_by(
            "published_at", "pk"
        )
    )
    party_of_number: dict[tuple[int, int], str] = {}
    party_of_company: dict[int, str] = {}
    for lot_id, number, company_id in Application.objects.filter(
        lot_id__in=lot_ids, status=Application.Status.ADMITTED
    ).values_list("lot_id", "participant_number", "company_id"):
        # An admitted application always has its number (a check constraint says so).
        if number is not None:
            party_of_number[(lot_id, number)] = party_of_company[company_id] = _party_id(company_id)
    by_lot = {result.lot_id: result for result in results}
    licences = []
    for licence in (
        Licence.objects.filter(lot_id__in=lot_ids)
        .select_related("lot")
        .order_by("created_at", "pk")
    ):
        result = by_lot[licence.lot_id]
        party = party_of_company.get(licence.holder_id)
        if party is None:
            continue  # a licence to nobody who took part is no outcome of this auction
        is_winners = party == party_of_number.get(
            (result.lot_id, result.winner_participant_number or 0)
        )
        history = LicenceHistory(
            licence=licence,
            holder_party=party,
            award_id=f"lot-{result.lot.number}-award-{party}",
            is_winners=is_winners,
        )
        # Nothing is public before the lot's result is: a licence made at the close shows
        # from the publication on.
        start = max(licence.created_at, result.published_at)
        history.changes.append((start, Licence.Status.AWAITING_PAYMENT))
        if licence.bonus_recorded_at is not None:
            history.changes.append((max(licence.bonus_recorded_at, start), Licence.Status.ACTIVE))
        if licence.status == Licence.Status.FORFEITED:
            # The daily job forfeits a licence the day after its payment deadline.
            forfeited = _astana_midnight(licence.payment_deadline + timedelta(days=1))
            history.changes.append((max(forfeited, start), Licence.Status.FORFEITED))
        if licence.status == Licence.Status.EXPIRED and licence.expires_on:
            history.changes.append(
                (max(_astana_midnight(licence.expires_on), start), Licence.Status.EXPIRED)
            )
        history.changes.sort(key=lambda change: change[0])
        # Two changes at one moment are one release: the licence as it stood after both.
        history.changes = [
            change
            for change, following in zip(history.changes, [*history.changes[1:], None], strict=True)
            if following is None or following[0] != change[0]
        ]
        licences.append(history)
    return EventFacts(
        event=event,
        results=results,
        errata=errata,
        party_of_number=party_of_number,
        licences=licences,
        offered_lots=event.lots.exclude(status=Lot.Status.DRAFT).count(),
    )


def moments(facts: EventFacts) -> list[Moment]:
    """Return the event's releases in order: the publication, then each later fact."""
    published_at = facts.event.results_published_at
    if published_at is None:
        return []  # an unpublished event has no release at all
    found = [Moment(published_at, "published", ["planning", "tender", "award"])]
    # Lots that finished after an early publication are published together by the next
    # run: one release per run.
    for late in sorted({r.published_at for r in facts.results if r.published_at > published_at}):
        key = f"results-{late.astimezone(UTC):%Y%m%dT%H%M%S%fZ}"
        found.append(Moment(late, key, ["tenderUpdate", "award"]))
    for erratum in facts.errata:
        found.append(Moment(erratum.published_at, f"erratum-{erratum.pk}", ["awardUpdate"]))
    for history in facts.licences:
        number = history.licence.number
        for index, (at, status) in enumerate(history.changes):
            if index == 0:
                tags = ["contract"] if history.is_winners else ["award", "contract"]
            elif status == Licence.Status.FORFEITED:
                tags = ["awardUpdate", "contractUpdate"]
            else:
                tags = ["contractUpdate"]
            found.append(Moment(at, f"licence-{number}-{status}", tags))
    found.sort(key=lambda moment: moment.at)
    # Facts of one moment (a licence made at the close shows from the publication on) are
    # one release: the process as it stood after all of them.
    merged: list[Moment] = []
    for moment in found:
        if merged and merged[-1].at == moment.at:
            merged[-1].tags += [tag for tag in moment.tags if tag not in merged[-1].tags]
        else:
            merged.append(moment)
    return merged


# --- Releases ---------------------------------------------------------------------------


def _value(amount: Decimal) -> dict[str, Any]:
    return {"amount": amount, "currency": CURRENCY}


def _date(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _as_published(result: PublishedResult, errata: list[Erratum], at: datetime) -> dict:
    """Return the result's corrected fields as they stood at the moment: an erratum made
    later is undone by the value it corrected."""
    values: dict[str, Any] = {
        Erratum.Field.WINNER_LEGAL_NAME: result.winner_legal_name,
        Erratum.Field.WINNER_COUNTRY: str(result.winner_country),
        Erratum.Field.WINNING_BONUS: result.winning_bonus,
    }
    undone: set[str] = set()
    for erratum in errata:
        if erratum.lot_id == result.lot_id and erratum.published_at > at:
            if erratum.field in undone:
                continue  # the earliest later erratum holds the value at the moment
            undone.add(erratum.field)
            old = erratum.old_value
            values[erratum.field] = (
                Decimal(old) if erratum.field == Erratum.Field.WINNING_BONUS else old
            )
    return values


def build_release(facts: EventFacts, moment: Moment) -> dict[str, Any]:
    """Return the event's release at the moment: the whole process as it stood then."""
    event, at = facts.event, moment.at
    ocid = ocid_of(event)
    buyer = {"id": BUYER_ID, "name": settings.OCDS_BUYER_NAME}
    parties: dict[str, dict[str, Any]] = {
        BUYER_ID: {**buyer, "roles": ["buyer", "procuringEntity"]},
    }
    lots: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    awards: list[dict[str, Any]] = []
    tenderers: list[str] = []
    results = [result for result in facts.results if result.published_at <= at]
    names: dict[str, tuple[str, str]] = {}
    for result in results:
        lot = result.lot
        values = _as_published(result, facts.errata, at)
        for entry in result.participants:
            party = facts.party_of_number.get((lot.pk, entry["number"]))
            if party is None:
                continue
            name, country = entry["legal_name"], entry.get("country", "")
            if entry["number"] == result.winner_participant_number:
                name = values[Erratum.Field.WINNER_LEGAL_NAME]
                country = values[Erratum.Field.WINNER_COUNTRY]
            names[party] = (name, country)
            if party not in tenderers:
                tenderers.append(party)
        lot_id = f"lot-{lot.number}"
        deposit = lot.deposit
        lots.append(
            {
                "id": lot_id,
                "title": f"Lot {lot.number}: {deposit.name}",
                "description": (
                    f"{lot.get_licence_type_display()} licence for {deposit.name}, "
                    f"{lot.licence_term_years} years, {lot.area_km2} km²"
                ),
                "status": TENDER_STATUS.get(lot.status, "complete"),
                "value": _value(lot.starting_price),
            }
        )
        items.append(
            {
                "id": lot_id,
                "description": f"Subsoil-use licence ({lot.licence_type}) for {deposit.name}",
                "quantity": 1,
                "unit": {"name": "licence"},
                "relatedLot": lot_id,
            }
        )
        if result.outcome == Result.Outcome.AWARDED:
            winner = facts.party_of_number.get((lot.pk, result.winner_participant_number or 0))
            forfeited = any(
                history.holder_party == winner
                and history.licence.lot_id == lot.pk
                and history.status_at(at) == Licence.Status.FORFEITED
                for history in facts.licences
            )
            awards.append(
                {
                    "id": f"lot-{lot.number}-award-{winner}",
                    "title": f"Lot {lot.number}: signature bonus",
                    "status": "cancelled" if forfeited else "active",
                    "date": _date(result.published_at),
                    "value": _value(values[Erratum.Field.WINNING_BONUS]),
                    "suppliers": [
                        {"id": winner, "name": names[winner][0] if winner in names else ""}
                    ],
                    "relatedLots": [lot_id],
                }
            )
    contracts = []
    for history in facts.licences:
        status = history.status_at(at)
        if status is None:
            continue
        licence = history.licence
        lot_id = f"lot-{licence.lot.number}"
        if not history.is_winners:
            # The duty passed to the next-highest bidder at its own last bid: an award of
            # its own, cancelled in turn if it did not pay either.
            awards.append(
                {
                    "id": history.award_id,
                    "title": f"Lot {licence.lot.number}: signature bonus, next-highest bid",
                    "status": "cancelled" if status == Licence.Status.FORFEITED else "active",
                    "date": _date(history.changes[0][0]),
                    "value": _value(licence.signature_bonus),
                    "suppliers": [
                        {
                            "id": history.holder_party,
                            "name": names.get(history.holder_party, ("", ""))[0],
                        }
                    ],
                    "relatedLots": [lot_id],
                }
            )
        contract: dict[str, Any] = {
            "id": licence.number,
            "awardID": history.award_id,
            "title": f"Licence {licence.number}",
            "status": CONTRACT_STATUS[status],
            "value": _value(licence.signature_bonus),
        }
        if status in (Licence.Status.ACTIVE, Licence.Status.EXPIRED) and licence.issued_on:
            contract["dateSigned"] = _date(_astana_midnight(licence.issued_on))
            contract["period"] = {
                "startDate": _date(_astana_midnight(licence.issued_on)),
                "endDate": _date(_astana_midnight(licence.expires_on or licence.issued_on)),
            }
        contracts.append(contract)
    suppliers = {supplier["id"] for award in awards for supplier in award["suppliers"]}
    for party in tenderers:
        name, country = names[party]
        roles = ["tenderer", "supplier"] if party in suppliers else ["tenderer"]
        parties[party] = {"id": party, "name": name, "roles": roles}
        if country:
            # OCDS 1.1 names the country; its code would need the 1.2 field.
            parties[party]["address"] = {"countryName": countries.name(country) or country}
    every_lot_published = len(results) == facts.offered_lots
    release: dict[str, Any] = {
        "ocid": ocid,
        "id": f"{ocid}-{moment.key}",
        "date": _date(at),
        "tag": moment.tags,
        "initiationType": "tender",
        "language": "en",
        "parties": list(parties.values()),
        "buyer": buyer,
        "planning": {
            "rationale": (
                f"Subsoil-use rights offered at the auction event {event.name}, on the "
                "signature bonus."
            ),
        },
        "tender": {
            "id": f"nedra-event-{event.pk}",
            "title": event.name,
            "status": "complete" if every_lot_published else "active",
            "procuringEntity": buyer,
            "items": items,
            "lots": lots,
            "value": _value(sum((lot.starting_price for lot in _lots(results)), Decimal("0.00"))),
            "procurementMethod": "open",
            "procurementMethodDetails": (
                "Open ascending electronic auction on the signature bonus, with a soft close"
            ),
            "awardCriteria": "priceOnly",
            "submissionMethod": ["electronicAuction"],
            "numberOfTenderers": len(tenderers),
            "tenderers": [{"id": party, "name": names[party][0]} for party in tenderers],
        },
        "awards": awards,
        "contracts": contracts,
    }
    deadlines = [lot.application_deadline for lot in _lots(results)]
    if deadlines:
        release["tender"]["tenderPeriod"] = {"endDate": _date(max(deadlines))}
    if not contracts:
        del release["contracts"]
    return release


def _lots(results: Iterable[PublishedResult]) -> list[Lot]:
    return [result.lot for result in results]


def event_releases(event: AuctionEvent) -> list[dict[str, Any]]:
    """Return every release of the published event, oldest first, in English."""
    with translation.override("en"):
        facts = event_facts(event)
        now = timezone.now()
        return [build_release(facts, moment) for moment in moments(facts) if moment.at <= now]


def compile_releases(releases: list[dict[str, Any]]) -> dict[str, Any]:
    """Merge the releases oldest first into one compiled release (OCDS merge: objects merge
    field by field, arrays of objects with an `id` merge by id, anything else is replaced)."""
    compiled: dict[str, Any] = {}
    for release in releases:
        compiled = _merge(compiled, release)
    compiled["tag"] = ["compiled"]
    compiled["id"] = f"{compiled['ocid']}-compiled-{compiled['date']}"
    return compiled


def _merge(old: Any, new: Any) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        merged = dict(old)
        for key, value in new.items():
            merged[key] = _merge(old.get(key), value)
        return merged
    if (
        isinstance(old, list)
        and isinstance(new, list)
        and all(isinstance(entry, dict) and "id" in entry for entry in old + new)
    ):
        merged_by_id = {entry["id"]: entry for entry in old}
        for entry in new:
            merged_by_id[entry["id"]] = _merge(merged_by_id.get(entry["id"]), entry)
        return list(merged_by_id.values())
    return new


# --- Packages -----------------------------------------------------------------------------


def _publisher() -> dict[str, str]:
    return {"name": settings.OCDS_PUBLISHER_NAME}


def _published_date(releases: list[dict[str, Any]]) -> str:
    # The package is dated by its newest release, so the same data gives the same file.
    return max((release["date"] for release in releases), default=_date(timezone.now()))


def _licensed(package: dict[str, Any]) -> dict[str, Any]:
    # The data's licence is the ministry's choice: named when configured, never invented.
    if settings.OCDS_LICENSE:
        package["license"] = settings.OCDS_LICENSE
    return package


def release_package(releases: list[dict[str, Any]], *, uri: str) -> dict[str, Any]:
    """Wrap releases in an OCDS 1.1 release package."""
    return _licensed(
        {
            "uri": uri,
            "version": OCDS_VERSION,
            "extensions": [LOTS_EXTENSION],
            "publishedDate": _published_date(releases),
            "publisher": _publisher(),
            "releases": releases,
        }
    )


def record_package(releases: list[dict[str, Any]], *, uri: str) -> dict[str, Any]:
    """Wrap one process's releases, and their compiled release, in an OCDS record package."""
    return _licensed(
        {
            "uri": uri,
            "version": OCDS_VERSION,
            "extensions": [LOTS_EXTENSION],
            "publishedDate": _published_date(releases),
            "publisher": _publisher(),
            "records": [
                {
                    "ocid": releases[0]["ocid"],
                    "releases": releases,
                    "compiledRelease": compile_releases(releases),
                }
            ],
        }
    )


def dumps(data: Any) -> str:
    """Write data as JSON, a Decimal as the number it is (json would refuse it, and a
    float would round a large bonus)."""
    if isinstance(data, Decimal):
        return format(data, "f")
    if isinstance(data, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{dumps(v)}" for k, v in data.items()) + "}"
    if isinstance(data, list | tuple):
        return "[" + ",".join(dumps(entry) for entry in data) + "]"
    return json.dumps(data, ensure_ascii=False)


def _json(data: Any, *, filename: str = "") -> HttpResponse:
    response = HttpResponse(dumps(data), content_type="application/json")
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- The API ------------------------------------------------------------------------------

_PACKAGE_FIELDS = {
    "uri": {"type": "string", "format": "uri"},
    "version": {"type": "string", "enum": [OCDS_VERSION]},
    "extensions": {"type": "array", "items": {"type": "string"}},
    "publishedDate": {"type": "string", "format": "date-time"},
    "publisher": {"type": "object", "required": ["name"]},
    "license": {"type": "string", "format": "uri"},
}
RELEASE_PACKAGE_SCHEMA = {
    "type": "object",
    "description": "An OCDS 1.1 release package (https://standard.open-contracting.org/1.1/).",
    "required": ["uri", "version", "publishedDate", "publisher", "releases"],
    "properties": {
        **_PACKAGE_FIELDS,
        "releases": {
            "type": "array",
            "items": {"type": "object", "required": ["ocid", "id", "date", "tag"]},
        },
    },
}
RECORD_PACKAGE_SCHEMA = {
    "type": "object",
    "description": "An OCDS 1.1 record package: the releases and their compiled release.",
    "required": ["uri", "version", "publishedDate", "publisher", "records"],
    "properties": {
        **_PACKAGE_FIELDS,
        "records": {
            "type": "array",
            "items": {"type": "object", "required": ["ocid", "releases", "compiledRelease"]},
        },
    },
}
INDEX_SCHEMA = {
    "type": "object",
    "required": ["publisher", "bulk", "events"],
    "properties": {
        "publisher": {"type": "object", "required": ["name"]},
        "bulk": {"type": "string", "format": "uri"},
        "events": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "name", "ocid", "published_at", "releases", "record"],
                "properties": {
                    "code": {"type": "string"},
                    "name": {"type": "string"},
                    "ocid": {"type": "string"},
                    "published_at": {"type": "string", "format": "date-time"},
                    "releases": {"type": "string", "format": "uri"},
                    "record": {"type": "string", "format": "uri"},
                },
            },
        },
    },
}


class OcdsIndexView(PublicReadMixin, APIView):
    """Every published event with its ocid and the addresses of its OCDS packages."""

    @extend_schema(
        operation_id="ocds_index",
        summary="List the published events as OCDS processes",
        description="Each event whose results are published, with its `ocid` and links to "
        "its release package and record package; `bulk` is every release in one file.",
        tags=[TAG],
        responses={200: INDEX_SCHEMA, 429: RATE_LIMITED},
    )
    def get(self, request: Request) -> HttpResponse:
        """List the published events with links to their packages."""
        events = [
            {
                "code": event.code,
                "name": event.name,
                "ocid": ocid_of(event),
                "published_at": _date(event.results_published_at),
                "releases": request.build_absolute_uri(
                    reverse("api-ocds-releases", args=[event.code])
                ),
                "record": request.build_absolute_uri(reverse("api-ocds-record", args=[event.code])),
            }
            for event in published_events()
            # Never None here (published_events says so); the check tells the type checker.
            if event.results_published_at is not None
        ]
        return _json(
            {
                "publisher": _publisher(),
                "bulk": request.build_absolute_uri(reverse("api-ocds-bulk")),
                "events": events,
            }
        )


class EventReleasePackageView(PublicReadMixin, APIView):
    """One published event's releases."""

    @extend_schema(
        operation_id="ocds_event_releases",
        summary="Get a published event's OCDS release package",
        description="Every release of the event, oldest first: the publication, then each "
        "lot published late, each erratum and each change of a licence, as a new release.",
        tags=[TAG],
        responses={
            200: OpenApiResponse(RELEASE_PACKAGE_SCHEMA, description="The release package."),
            404: NOT_FOUND,
            429: RATE_LIMITED,
        },
    )
    def get(self, request: Request, code: str) -> HttpResponse:
        """Send the event's release package."""
        event = published_event(code)
        return _json(
            release_package(event_releases(event), uri=request.build_absolute_uri()),
        )


class EventRecordPackageView(PublicReadMixin, APIView):
    """One published event's record: its releases and the compiled release."""

    @extend_schema(
        operation_id="ocds_event_record",
        summary="Get a published event's OCDS record package",
        tags=[TAG],
        responses={
            200: OpenApiResponse(RECORD_PACKAGE_SCHEMA, description="The record package."),
            404: NOT_FOUND,
            429: RATE_LIMITED,
        },
    )
    def get(self, request: Request, code: str) -> HttpResponse:
        """Send the event's record package."""
        event = published_event(code)
        return _json(record_package(event_releases(event), uri=request.build_absolute_uri()))


class BulkReleasePackageView(PublicReadMixin, APIView):
    """Every release of every published event, in one file."""

    @extend_schema(
        operation_id="ocds_bulk",
        summary="Download every published event's OCDS releases in one release package",
        tags=[TAG],
        responses={
            200: OpenApiResponse(RELEASE_PACKAGE_SCHEMA, description="The release package."),
            429: RATE_LIMITED,
        },
    )
    def get(self, request: Request) -> HttpResponse:
        """Send one release package with the releases of every published event."""
        releases = [release for event in published_events() for release in event_releases(event)]
        return _json(
            release_package(releases, uri=request.build_absolute_uri()),
            filename="nedra-ocds-releases.json",
        )
