"""The one-process start (`manage.py runplatform`) finds the project's ASGI app and Celery
app through the settings: core stands below config and never imports it."""

from celery import current_app

from core.management.commands.runplatform import asgi_target


def test_runplatform_serves_the_asgi_application_the_settings_name() -> None:
    assert asgi_target() == "config.asgi:application"


def test_runplatform_drives_the_projects_beat_schedule_through_the_current_celery_app() -> None:
    # The settings package makes the project's app current as it loads (config/__init__.py).
    assert current_app.main == "nedra"
    assert "sweep-lots" in current_app.conf.beat_schedule
