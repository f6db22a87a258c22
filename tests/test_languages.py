"""Every page in every language: Astana time in the language's own format, the right
`<html lang>`, and a language switcher that keeps the reader on the same page, without JS."""

import re
from datetime import UTC, date, datetime
from html import unescape

import pytest
from django.core import mail
from django.db.models import Q
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from auctions import notices, services
from auctions.models import AuctionEvent, Lot
from auctions.tests.factories import (
    FinishedLotFactory,
    LotFactory,
    admit,
    admitted_representative,
    finish,
    place_bids,
)
from bidders.models import Company
from bidders.tasks import recipients_by_language
from bidders.tests.factories import CompanyFactory, RepresentativeFactory
from demo.loader import load_demo
from deposits.models import Deposit, Mineral, Region

LANGUAGES = ["en", "ru", "kk", "zh-hans"]
NB = "\u00a0"


def render_astana(moment: datetime, language: str) -> str:
    with translation.override(language):
        return Template("{% load nedra %}{% astana_time moment %}").render(
            Context({"moment": moment})
        )


NNBSP = "\u202f"


@pytest.mark.parametrize(
    ("language", "wall_clock", "label"),
    [
        ("en", f"December 3, 2026, 10:00{NNBSP}AM", "Astana time (UTC+5)"),
        ("ru", f"3 декабря 2026{NNBSP}г., 10:00", "Время Астаны (UTC+5)"),  # noqa: RUF001
        ("kk", f"2026{NNBSP}ж. 3 желтоқсан, 10:00", "Астана уақыты (UTC+5)"),
        ("zh-hans", "2026年12月3日 10:00", "阿斯塔纳时间（UTC+5）"),  # noqa: RUF001
    ],
)
def test_a_utc_moment_is_shown_at_astana_utc_plus_5_in_the_language_format(
    language: str, wall_clock: str, label: str
) -> None:
    html = render_astana(datetime(2026, 12, 3, 5, 0, tzinfo=UTC), language)
    # The machine-readable moment stays UTC; the words are Astana's clock, five hours on,
    # named in words: "AST" reads as Atlantic or Arabia time.
    assert 'datetime="2026-12-03T05:00:00+00:00"' in html
    assert "data-local-time" in html
    assert f'>{wall_clock} <span class="time-zone">{label}</span></time>' in html
    assert "AST" not in html


@pytest.mark.parametrize(
    ("language", "next_day"),
    [
        ("en", f"July 1, 2026, 2:45{NNBSP}AM"),
        ("ru", f"1 июля 2026{NNBSP}г., 02:45"),  # noqa: RUF001 (the Russian abbreviation of "year")
        ("zh-hans", "2026年7月1日 02:45"),
    ],
)
def test_a_late_utc_evening_is_the_next_morning_in_astana(language: str, next_day: str) -> None:
    assert f">{next_day} <span" in render_astana(
        datetime(2026, 6, 30, 21, 45, tzinfo=UTC), language
    )


def test_the_room_shows_moments_to_the_second_in_the_same_format() -> None:
    with translation.override("en"):
        html = Template("{% load nedra %}{% astana_time moment seconds=True %}").render(
            Context({"moment": datetime(2026, 12, 3, 5, 0, 7, tzinfo=UTC)})
        )
    assert f">December 3, 2026, 10:00:07{NNBSP}AM <span" in html
    # The viewer's time the script adds keeps the seconds too.
    assert "data-local-time data-seconds" in html


@pytest.mark.parametrize(
    ("language", "written"),
    [
        ("en", "June 30, 2026"),
        ("ru", f"30 июня 2026{NNBSP}г."),  # noqa: RUF001
        ("kk", f"2026{NNBSP}ж. 30 маусым"),
        ("zh-hans", "2026年6月30日"),
    ],
)
def test_calendar_dates_are_written_as_the_date_of_a_moment(language: str, written: str) -> None:
    with translation.override(language):
        assert (
            Template("{% load nedra %}{{ day|day }}").render(Context({"day": date(2026, 6, 30)}))
            == written
        )


def test_kazakh_gets_a_24_hour_clock_not_the_english_fallback() -> None:
    html = render_astana(datetime(2026, 6, 30, 21, 45, tzinfo=UTC), "kk")
    assert "02:45" in html
    assert "a.m." not in html
    assert "шілде" in html  # July


def switcher(page: str) -> tuple[str, str, str]:
    """Return the language form's action, its `next` and the selected language of a page."""
    form = re.search(
        r'<form class="language" action="([^"]+)" method="post">(.*?)</form>', page, re.S
    )
    assert form, "every page carries the language switcher"
    body = form.group(2)
    # The select never submits itself (a keyboard user would leave the page on the first
    # arrow press): a visible button does, with or without JS.
    assert re.search(r'<button type="submit">', body)
    next_url = re.search(r'<input name="next" type="hidden" value="([^"]*)">', body)
    selected = re.search(r'<option value="([^"]+)" selected>', body)
    assert next_url
    assert selected
    return form.group(1), unescape(next_url.group(1)), selected.group(1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/lots/{lot}/",
        "/results/",
        "/licences/?status=active&type=exploration",
        "/accounts/login/",
    ],
)
def test_switching_language_keeps_the_page_and_its_query(client: Client, path: str) -> None:
    lot = LotFactory()
    path = path.format(lot=lot.pk)
    page = client.get(path)
    assert page.status_code == 200
    action, next_url, selected = switcher(page.content.decode())
    assert next_url == path
    assert selected == "en"

    # The form as a browser without JS posts it.
    response = client.post(action, {"language": "ru", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/ru" + path
    russian = client.get(response["Location"])
    assert russian.status_code == 200
    assert '<html lang="ru">' in russian.content.decode()
    action, next_url, selected = switcher(russian.content.decode())
    # `next` names the page without a language prefix: set_language runs in the default
    # language and could not resolve "/ru/...", which would strand the reader in Russian.
    assert (next_url, selected) == (path, "ru")

    # And back: English lives at the unprefixed address.
    back = client.post(action, {"language": "en", "next": next_url})
    assert back["Location"] == path


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_declares_its_language(client: Client, language: str) -> None:
    lot = LotFactory(status=Lot.Status.PUBLISHED)
    prefix = "" if language == "en" else f"/{language}"
    for path in ["/", f"/lots/{lot.pk}/", "/results/", "/licences/", "/accounts/login/"]:
        page = client.get(prefix + path).content.decode()
        assert f'<html lang="{language}">' in page, path
        assert switcher(page)[2] == language, path


def blank_field(name: str) -> Q:
    return Q(**{f"{name}__isnull": True}) | Q(**{name: ""})


@pytest.mark.usefixtures("reference_data")
def test_the_demo_names_places_minerals_deposits_and_events_in_every_language() -> None:
    load_demo()
    for model, languages in [
        (Region, ["ru", "kk", "zh_hans"]),
        (Mineral, ["ru", "kk", "zh_hans"]),
        (AuctionEvent, ["ru", "kk", "zh_hans"]),
        # Deposit names are proper names: Chinese readers get the Latin spelling.
        (Deposit, ["ru", "kk"]),
    ]:
        for language in languages:
            blank = model.objects.filter(blank_field(f"name_{language}"))
            assert not blank.exists(), (model.__name__, language, list(blank[:3]))
    assert not AuctionEvent.objects.filter(blank_field("description_zh_hans")).exists()
    assert not Deposit.objects.filter(blank_field("description_ru")).exists()
    with translation.override("zh-hans"):
        assert Region.objects.get(code="astana").name == "阿斯塔纳"


# --- Emails in the language each representative last used -------------------------------


@pytest.mark.django_db
def test_a_representative_s_language_is_remembered_from_the_pages_they_use(
    client: Client,
) -> None:
    representative = RepresentativeFactory()
    lot = LotFactory()
    client.force_login(representative.user)
    client.get(f"/ru/lots/{lot.pk}/")
    representative.refresh_from_db()
    assert representative.language == "ru"
    client.get("/kk/company/")
    representative.refresh_from_db()
    assert representative.language == "kk"
    client.get(f"/lots/{lot.pk}/")
    representative.refresh_from_db()
    assert representative.language == "en"


@pytest.mark.django_db
def test_people_of_one_company_are_grouped_by_their_language() -> None:
    company = CompanyFactory(contact_email="Office@Example.com")
    RepresentativeFactory(company=company, user__username="aigerim", language="ru")
    RepresentativeFactory(company=company, user__username="li", language="zh-hans")
    RepresentativeFactory(company=company, user__username="unseen")
    # The contact address and the person whose language is unknown read the registrant's.
    assert recipients_by_language(company) == {
        "ru": ["aigerim@example.com", "office@example.com", "unseen@example.com"],
        "zh-hans": ["li@example.com"],
    }


@pytest.mark.django_db
def test_a_company_nobody_has_seen_yet_is_written_to_in_english() -> None:
    company = CompanyFactory(contact_email="office@example.com")
    RepresentativeFactory(company=company, user__username="new")
    assert recipients_by_language(company) == {"en": ["new@example.com", "office@example.com"]}


@pytest.mark.django_db
def test_the_results_email_comes_in_each_reader_s_language(approved_company: Company) -> None:
    lot = FinishedLotFactory(deposit__name_en="Akbakai", deposit__name_ru="Акбакай")
    winner = admit(approved_company, lot, 1)
    loser = admitted_representative(lot, 2, username="steppe", legal_name="Steppe LLP")
    RepresentativeFactory(company=approved_company, user__username="megan", language="en")
    RepresentativeFactory(company=approved_company, user__username="ivan", language="ru")
    place_bids(lot, [(winner, "1250000000")])
    finish(lot)
    services.publish_results(event_id=lot.event_id)
    mail.outbox.clear()

    assert notices.notify_results(event_id=lot.event_id) == 3
    russian = next(message for message in mail.outbox if "ivan@example.com" in message.to)
    english = next(message for message in mail.outbox if "megan@example.com" in message.to)
    assert english.to == ["jane@example.com", "megan@example.com"]
    assert f"1{NB}250{NB}000{NB}000{NB}₸" in russian.body
    assert "Акбакай" in russian.subject
    assert f"/ru/results/{lot.event.code}/" in russian.body
    assert f"KZT{NB}1,250,000,000" in english.body
    assert "Akbakai" in english.subject
    assert f" /results/{lot.event.code}/" in english.body
    assert "ivan@example.com" not in english.to
    assert [message.to for message in mail.outbox if loser.email in message.to] == [
        sorted({loser.email, "jane@example.com"})
    ]
