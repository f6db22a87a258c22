"""Every domain error reaches its user in the user's language: its message is marked for
translation where it is raised, and every language's catalogue translates it.

The raises are found by reading the code, so a new one is checked without a list to keep.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import polib
import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
APPS = ("core", "deposits", "bidders", "auctions", "licensing", "pages")
GETTEXT = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy"}
NGETTEXT = {"ngettext", "ngettext_lazy"}
CATALOGUES = sorted(BASE.glob("locale/*/LC_MESSAGES/django.po"))


@dataclass(frozen=True)
class Raise:
    """One `DomainError(code, message)` in the code, with the message ids it may carry."""

    where: str
    code: str
    msgids: tuple[str, ...]


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _modules() -> list[Path]:
    return [
        path
        for app in APPS
        for path in sorted((BASE / app).rglob("*.py"))
        if not {"tests", "migrations"} & set(path.relative_to(BASE).parts)
    ]


def _constants(trees: dict[Path, ast.Module]) -> dict[str, ast.expr]:
    """Return the module-level constants of every module, by name (`SESSION_ENDED = _(...)`)."""
    return {
        target.id: node.value
        for tree in trees.values()
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id.isupper()
    }


def _msgids(message: ast.expr, constants: dict[str, ast.expr]) -> tuple[str, ...]:
    """Return the message ids a raise's message is translated from; () when it is not."""
    if isinstance(message, ast.BinOp) and isinstance(message.op, ast.Mod):
        return _msgids(message.left, constants)
    if isinstance(message, ast.Call):
        function = _name(message.func)
        literals = [arg.value for arg in message.args if isinstance(arg, ast.Constant)]
        if function in GETTEXT and literals:
            return (literals[-1],)
        if function in NGETTEXT and len(literals) >= 2:
            return tuple(literals[:2])
        # str(LAZY_MESSAGE) or self._translate(LAZY_MESSAGE): the constant it renders.
        if function in {"str", "_translate"} and len(message.args) == 1:
            return _msgids(message.args[0], constants)
        return ()
    name = _name(message)
    if name in constants:
        return _msgids(constants[name], constants)
    return ()


def domain_error_raises() -> list[Raise]:
    """Return every DomainError made in the apps' code (tests and migrations aside)."""
    trees = {path: ast.parse(path.read_text(), str(path)) for path in _modules()}
    constants = _constants(trees)
    raises = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _name(node.func) == "DomainError"):
                continue
            if len(node.args) != 2 or not isinstance(node.args[0], ast.Constant):
                # A DomainError passed on (its code and message made elsewhere).
                continue
            raises.append(
                Raise(
                    where=f"{path.relative_to(BASE)}:{node.lineno}",
                    code=node.args[0].value,
                    msgids=_msgids(node.args[1], constants),
                )
            )
    return raises


def test_the_scan_finds_the_domain_errors_of_every_layer() -> None:
    """Guard the scanner itself: it must see raises in services, the engine and consumers."""
    raises = domain_error_raises()
    places = {entry.where.split(":")[0] for entry in raises}
    assert {
        "auctions/services.py",
        "auctions/engine.py",
        "auctions/consumers.py",
        "bidders/services.py",
        "licensing/services.py",
    } <= places
    codes = {entry.code for entry in raises}
    assert {"too_low", "terms_not_accepted", "owner_shares", "licence_not_overdue"} <= codes


def test_every_domain_error_message_is_marked_for_translation_where_it_is_raised() -> None:
    untranslated = [
        f"{entry.where} {entry.code}" for entry in domain_error_raises() if not entry.msgids
    ]
    assert not untranslated, "messages not in gettext where raised: " + ", ".join(untranslated)


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda path: path.parts[-3])
def test_every_domain_error_message_is_translated_in_every_language(po_path: Path) -> None:
    catalogue = polib.pofile(str(po_path))
    translated = {
        entry.msgid
        for entry in catalogue
        if not entry.fuzzy
        and (entry.msgstr or (entry.msgstr_plural and all(entry.msgstr_plural.values())))
    } | {
        entry.msgid_plural
        for entry in catalogue
        if entry.msgid_plural and not entry.fuzzy and all(entry.msgstr_plural.values())
    }
    missing = sorted(
        {
            f"{entry.code}: {msgid}"
            for entry in domain_error_raises()
            for msgid in entry.msgids
            if msgid not in translated
        }
    )
    assert not missing, missing
