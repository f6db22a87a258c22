# syntax=docker/dockerfile:1
# One image for every process of the platform: web (uvicorn), Celery worker and beat.
# 3.11 is the version CI tests with (.ci/run); the project supports 3.11+.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NEDRA_VAR_DIR=/app/var

# A fixed uid/gid so volume ownership survives image rebuilds.
RUN groupadd --system --gid 10001 nedra \
    && useradd --system --uid 10001 --gid nedra --create-home --home-dir /home/nedra \
        --shell /usr/sbin/nologin nedra

WORKDIR /app

# Dependencies get their own layer, read from pyproject.toml, so a code change does not
# reinstall them.
COPY pyproject.toml README.md ./
RUN python -c "import pathlib, tomllib; \
deps = tomllib.loads(pathlib.Path('pyproject.toml').read_text())['project']['dependencies']; \
pathlib.Path('/tmp/requirements.txt').write_text('\n'.join(deps))" \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
# Editable, so the code Python imports is the code in /app, where BASE_DIR finds the
# templates, static sources and locale files, whatever the current directory.
# The key only lets settings load for collectstatic; the real one comes from the environment.
RUN pip install --no-deps -e . \
    && SECRET_KEY=collectstatic-at-build-time-only DJANGO_SETTINGS_MODULE=config.settings \
        python manage.py collectstatic --noinput \
    && mkdir -p /app/var/private \
    && chown nedra:nedra /app/var/private

# Code and collected static files stay root-owned, read-only to the app; only the
# uploads folder (a volume in docker-compose.yml) is writable.
USER nedra
EXPOSE 8000
# sh -c so WEB_CONCURRENCY expands at start; exec so uvicorn gets the stop signal.
# Forwarded headers are trusted from any address: only the proxy can reach this port.
# No permessage-deflate: compressing every frame once per socket cost more of the fan-out's
# CPU than anything else of ours (README, "Production deployment").
CMD ["sh", "-c", "exec uvicorn config.asgi:application --host 0.0.0.0 --port 8000 --workers \"${WEB_CONCURRENCY:-2}\" --proxy-headers --forwarded-allow-ips \"${FORWARDED_ALLOW_IPS:-127.0.0.1}\" --ws-per-message-deflate false"]
