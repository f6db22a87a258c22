"""The platform without its demo: NEDRA_DEMO=false drops the app, and a fresh database
still migrates, gets Kazakhstan's regions and minerals and staff roles, and serves an
empty catalogue that filters by them.

It runs in separate processes on a fresh SQLite file, as an operator would: settings are
read once per process, so leaving an app out cannot be tried inside this one.
"""

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from deposits.tests.reference import REFERENCE_MIGRATION

REFERENCE = importlib.import_module(REFERENCE_MIGRATION)

# Asks the catalogue pages for their filters, as a visitor in English and in Russian would
# (Russian pages live under /ru/).
PAGES = """
import json, re
import django
django.setup()
from django.apps import apps
from django.test import Client
from django.test.utils import setup_test_environment
from config.asgi import application

setup_test_environment()  # so that each response carries its template context

pages = {}
for url in ("/deposits/", "/lots/"):
    for language, prefix in (("en", ""), ("ru", "/ru")):
        response = Client(HTTP_HOST="localhost").get(prefix + url)
        html = response.content.decode()
        options = {}
        for name in ("region", "mineral"):
            select = re.search(r'<select name="%s".*?</select>' % name, html, re.S)
            found = re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', select[0])
            options[name] = dict(found)
        pages[f"{url} {language}"] = {
            "status": response.status_code,
            "options": options,
            "rows": response.context["page"].paginator.count,
        }
print(json.dumps({"demo_installed": apps.is_installed("demo"), "pages": pages}))
"""


@pytest.fixture(scope="module")
def without_demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a platform with the demo left out, on a database of its own."""
    var = tmp_path_factory.mktemp("without-demo")
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    environment |= {
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "NEDRA_DEMO": "false",
        "NEDRA_VAR_DIR": str(var),
    }
    return environment


def manage(environment: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 -- our own interpreter and manage.py
        [sys.executable, "manage.py", *arguments],
        cwd=Path(settings.BASE_DIR),
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_without_the_demo_a_fresh_database_migrates_and_serves_its_regions_and_minerals(
    without_demo: dict[str, str],
) -> None:
    for command in (["migrate", "--noinput"], ["check"], ["setup_roles"]):
        done = manage(without_demo, *command)
        assert done.returncode == 0, done.stderr
    assert "Staff roles are set up." in done.stdout

    done = subprocess.run(  # noqa: S603 -- our own interpreter
        [sys.executable, "-c", PAGES],
        cwd=Path(settings.BASE_DIR),
        env=without_demo,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    served = json.loads(done.stdout.strip().splitlines()[-1])

    assert served["demo_installed"] is False
    regions_en = {row.code: row.en for row in REFERENCE.REGIONS}
    regions_ru = {row.code: row.ru for row in REFERENCE.REGIONS}
    minerals_en = {row.code: row.en for row in REFERENCE.MINERALS}
    minerals_ru = {row.code: row.ru for row in REFERENCE.MINERALS}
    assert (len(regions_en), len(minerals_en)) == (20, 19)
    for url in ("/deposits/", "/lots/"):
        english, russian = served["pages"][f"{url} en"], served["pages"][f"{url} ru"]
        assert (english["status"], english["rows"]) == (200, 0), url
        assert english["options"]["region"] == regions_en, url
        assert english["options"]["mineral"] == minerals_en, url
        assert russian["options"]["region"] == regions_ru, url
        assert russian["options"]["mineral"] == minerals_ru, url


def test_without_the_demo_its_commands_are_gone(without_demo: dict[str, str]) -> None:
    for command in ("load_demo", "demo_code", "generate_catalogue"):
        done = manage(without_demo, command, "--help")
        assert done.returncode != 0
        assert f"Unknown command: '{command}'" in done.stderr


def test_migrating_again_adds_no_second_region_or_mineral(
    without_demo: dict[str, str],
) -> None:
    count = (
        "import django; django.setup(); "
        "from deposits.models import Mineral, Region; "
        "print(Region.objects.count(), Mineral.objects.count())"
    )
    for command in (["migrate", "--noinput"], ["migrate", "deposits", "0002", "--noinput"]):
        assert manage(without_demo, *command).returncode == 0
    # Back down and up again: the reverse leaves the rows, the forward finds them present.
    assert manage(without_demo, "migrate", "--noinput").returncode == 0
    done = subprocess.run(  # noqa: S603 -- our own interpreter
        [sys.executable, "-c", count],
        cwd=Path(settings.BASE_DIR),
        env=without_demo,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.stdout.split() == ["20", "19"], done.stderr
