"""The interface speaks English, Russian, Kazakh and Chinese, from compiled catalogues."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from auctions.engine import parse_amount
from core.errors import DomainError

CATALOGUES = sorted(Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/django.po"))


def test_there_is_a_catalogue_for_every_language_but_english() -> None:
    languages = {path.parts[-3] for path in CATALOGUES}
    assert languages == {"ru", "kk", "zh_Hans"}


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda path: path.parts[-3])
def test_every_message_is_translated_and_none_is_fuzzy(po_path: Path) -> None:
    catalogue = polib.pofile(str(po_path))
    assert not catalogue.untranslated_entries(), [e.msgid for e in catalogue.untranslated_entries()]
    assert not catalogue.fuzzy_entries(), [e.msgid for e in catalogue.fuzzy_entries()]


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda path: path.parts[-3])
def test_the_compiled_catalogue_matches_its_source(po_path: Path) -> None:
    """A .po edited without running msgfmt would silently show stale translations."""

    def translations(catalogue: polib._BaseFile) -> dict[tuple[str, str], object]:
        return {
            (entry.msgctxt or "", entry.msgid): entry.msgstr_plural or entry.msgstr
            for entry in catalogue
            if entry.msgid
        }

    compiled = polib.mofile(str(po_path.with_suffix(".mo")))
    assert translations(compiled) == translations(polib.pofile(str(po_path)))


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ru", "Сделать ставку"), ("kk", "Ставка жасау"), ("zh-hans", "提交出价")],
)
def test_the_auction_room_button_is_translated(language: str, expected: str) -> None:
    with translation.override(language):
        assert translation.gettext("Place bid") == expected


def test_a_bid_refusal_comes_in_the_bidders_language() -> None:
    with translation.override("ru"), pytest.raises(DomainError) as refusal:
        parse_amount("12,5")
    assert refusal.value.code == "invalid_amount"
    assert "Введите" in refusal.value.message
