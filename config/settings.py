"""Nedra settings: one module, driven by the environment.

With no environment at all Nedra runs embedded: SQLite, the in-memory channel layer and
Celery tasks run in-process. DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis.
DEBUG is off unless asked for, and with it off every security setting is on.
"""

import base64
import hashlib
import zoneinfo
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_HASHES
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("NEDRA_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

# --- Core -----------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-embedded-only-never-in-production"  # noqa: S105
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "modeltranslation",  # must precede django.contrib.admin
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "django_countries",
    "import_export",
    "csp",
    "core",
    "deposits",
    "bidders",
    "auctions",
    "licensing",
    "pages",
]
# The demo (load_demo, demo_code, generate_catalogue) is an app nothing imports: NEDRA_DEMO=off
# leaves it out, and the platform runs, migrates and serves the same without it.
if env.bool("NEDRA_DEMO", default=True):
    INSTALLED_APPS.append("demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.security_headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A visitor's 404 or 400 gets the site's page even while DEBUG is on; real errors do not.
    "core.error_pages.SiteErrorPagesMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After authentication: nothing answers a staff session that has not passed a second
    # factor, the admin or any other page, but the pages that log in and enrol.
    "core.second_factor.StaffSecondFactorMiddleware",
    # Last, so it sees the outcome of every login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# No persistent connections under ASGI: every request runs in a thread pool, and idle
# per-thread connections would pile up until PostgreSQL refuses new ones.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'nedra.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# A Celery worker's process runs one task at a time on one thread, so it keeps its
# connection this many seconds (checked before reuse) instead of opening one per task:
# the connection was a third of a lot's close (config/celery.py, bench/RESULTS.md).
WORKER_CONN_MAX_AGE = env.int("WORKER_CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # IMMEDIATE takes SQLite's write lock at BEGIN, so two writers never validate against
    # the same state (SQLite has no row locks; this serialises writers instead).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

# --- Redis: channel layer, cache, Celery ------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "capacity": 1500, "expiry": 10},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A hung Redis must not hold a bid: the bid budget falls back to a per-process
            # count when the cache fails, which it can only do once the call gives up.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "core.channel_layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": 1500},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://localhost/")
CELERY_RESULT_BACKEND = None
# Embedded mode has no broker: tasks run in the calling process and the beat schedule is
# driven by `manage.py runplatform`.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# With late acks, Redis redelivers a task unacknowledged this long: well above any task.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Lots open and close by this sweep (plus a task queued for each lot's end); the
    # services re-check every time under the lot's lock, so a late or double run is harmless.
    "sweep-lots": {"task": "auctions.tasks.sweep_lots", "schedule": 5.0},
    # A finished lot is settled by the task its close queues; this sweep settles, a minute
    # later, any whose task was lost. Settling locks the lot and repeats nothing.
    "settle-lots": {"task": "licensing.tasks.settle_unsettled_lots", "schedule": 5.0},
    # An event's results go public within a minute of its last lot finishing; publishing
    # locks the event and refuses a second time, so overlapping runs publish once.
    "publish-results": {"task": "auctions.tasks.publish_finished_events", "schedule": 60.0},
    # A bonus unpaid past its deadline day is forfeited and passed on within the hour; a
    # licence expires just after midnight Astana time (19:05 UTC). Both are idempotent.
    "forfeit-overdue-licences": {
        "task": "licensing.tasks.forfeit_overdue_licences",
        "schedule": crontab(minute=10),
    },
    "expire-licences": {
        "task": "licensing.tasks.expire_licences",
        "schedule": crontab(hour=19, minute=5),
    },
}

# --- Live auctions ----------------------------------------------------------------------
# Bids one bidder may send to one lot, from all its sockets and API calls together: "N/s",
# "N/m" or "N/h". Counted in the cache (Redis) by every process; per process if it fails.
BID_RATE_LIMIT = env.str("BID_RATE_LIMIT", default="10/s")
# The Fernet key (urlsafe base64 of 32 bytes) that seals two-stage lots' sealed bids until
# their round closes (auctions/sealed.py). Production refuses to start without one (the
# system check auctions.E001); embedded mode (DEBUG) derives one from SECRET_KEY. Make one
# with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
SEALED_BID_KEY = env.str("SEALED_BID_KEY", default="")
if not SEALED_BID_KEY and DEBUG:
    SEALED_BID_KEY = base64.urlsafe_b64encode(
        hashlib.sha256(b"nedra sealed bids|" + SECRET_KEY.encode()).digest()
    ).decode()
# Snapshots one socket may ask for with resync: they cost the database, not the asker.
RESYNC_RATE_LIMIT = env.str("RESYNC_RATE_LIMIT", default="1/s")
# Snapshots one user may ask for in one lot, by the API's state and the sockets' resyncs
# together, across every session and process.
SNAPSHOT_RATE_LIMIT = env.str("SNAPSHOT_RATE_LIMIT", default="5/s")
# Sockets one user may hold open to one lot, counted across processes.
LIVE_SOCKETS_PER_USER = env.int("LIVE_SOCKETS_PER_USER", default=5)
# The public gallery's spectators have no account: they are counted by address (the
# client's IP as the TLS proxy reports it). Sockets one address may hold open to one lot,
# counted across processes (a newsroom or an office shares one address) ...
GALLERY_SOCKETS_PER_IP = env.int("GALLERY_SOCKETS_PER_IP", default=20)
# ... and snapshots (on connect and on resync) one address may ask for in one lot.
GALLERY_SNAPSHOT_RATE_LIMIT = env.str("GALLERY_SNAPSHOT_RATE_LIMIT", default="5/s")
# How often a socket re-checks its session (and renews its socket slot) on its own, in
# case the news that the session ended was lost; slots lapse after three missed renewals.
LIVE_SESSION_CHECK_SECONDS = env.float("LIVE_SESSION_CHECK_SECONDS", default=5.0)
# Threads (each with its own PostgreSQL connection) that run the websockets' database work
# in each web process: bids, seats and snapshots. Every web and gallery process holds up
# to this many connections: keep processes x threads well under PostgreSQL's
# max_connections (100 by default), beside HTTP requests and the Celery worker's. One is
# fastest with PostgreSQL on the same machine or network (the work is CPU, and more threads
# only fight over the GIL: bench/RESULTS.md); more pay when each round trip is slow.
LIVE_DATABASE_THREADS = env.int("LIVE_DATABASE_THREADS", default=1)
# How often every live or paused lot's version is sent to its sockets, so a room that
# missed a broadcast (the channel layer was down) catches up with nobody bidding.
LIVE_HEARTBEAT_SECONDS = env.float("LIVE_HEARTBEAT_SECONDS", default=2.0)
# A heartbeat that waited in the queue longer than a beat is stale: it is dropped.
CELERY_BEAT_SCHEDULE["send-heartbeats"] = {
    "task": "auctions.tasks.send_heartbeats",
    "schedule": LIVE_HEARTBEAT_SECONDS,
    "options": {"expires": LIVE_HEARTBEAT_SECONDS},
}

# A live lot pauses by itself when, within LIVE_DROP_WINDOW_SECONDS, at least
# LIVE_DROP_SHARE of its participants connected in that time (and at least
# LIVE_DROP_MIN_PARTICIPANTS of them) lose their connection: a failure on the way to them,
# not one bidder's own line (with two participants, both must drop, or a losing bidder
# could stop the auction by pulling its cable). It resumes by itself once
# LIVE_DROP_RESUME_SHARE of those are back, or when staff resume it. Checked with every
# heartbeat. The same pause follows a failure of the channel layer or the database;
# LIVE_AUTOMATIC_PAUSES=false turns every automatic pause off.
LIVE_AUTOMATIC_PAUSES = env.bool("LIVE_AUTOMATIC_PAUSES", default=True)
LIVE_DROP_WINDOW_SECONDS = env.float("LIVE_DROP_WINDOW_SECONDS", default=10.0)
LIVE_DROP_SHARE = env.float("LIVE_DROP_SHARE", default=0.5)
LIVE_DROP_MIN_PARTICIPANTS = env.int("LIVE_DROP_MIN_PARTICIPANTS", default=2)
LIVE_DROP_RESUME_SHARE = env.float("LIVE_DROP_RESUME_SHARE", default=0.75)

# --- Auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses locked-out credentials before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"

# Bidders sign up with an email address that they must confirm before they can log in.
# Staff log in on the same page (the admin's login sends them there) with their username.
ACCOUNT_ADAPTER = "core.account_adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Nedra] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Failed logins count per address and account together (the adapter keys them so) and
# per address: a stranger's wrong passwords for a bidder's email block that stranger's
# address, never the bidder's own login from elsewhere. allauth's default counts them per
# account alone, which let anyone lock a named bidder out.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
}

# A second factor: an authenticator app (TOTP) with recovery codes. Staff need it for the
# admin, representatives before their first bid (core.second_factor).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Nedra"
# One 30-second step either side: a phone clock a few seconds off still works.
MFA_TOTP_TOLERANCE = 1

# Password guessing: five failures lock that account from that address for an hour, on
# the bidders' login and the admin's alike (the admin's login is allauth's).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "core.lockout.username_of_attempt"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/locked_out.html"
# The client address is REMOTE_ADDR, nothing else: the ASGI server puts the client there,
# resolving X-Forwarded-For only from the proxies it is told to trust (FORWARDED_ALLOW_IPS
# for uvicorn; embedded mode trusts none). A header a client sends never moves it.
# allauth's limits count the same address (core.account_adapter), DRF's by NUM_PROXIES.
AXES_CLIENT_IP_CALLABLE = "core.lockout.client_address"
# Leave at 0 when the ASGI server resolves proxies (docker-compose.yml does). Only behind
# a server that cannot, set it to the number of proxies in front; Django's throttles then
# read that many hops of X-Forwarded-For. Never both: the server already rewrote the peer.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)

# --- Languages and time ---------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("ru", _("Russian")),
    ("kk", _("Kazakh")),
    ("zh-hans", _("Chinese")),
]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
# A Kazakh reader reads Russian before English: staff often fill only ru and en.
MODELTRANSLATION_FALLBACK_LANGUAGES = {"default": ("en",), "kk": ("ru", "en")}
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Almaty"  # Astana time; stored in UTC (USE_TZ)
# Kazakhstan moved to one UTC+5 zone in March 2024: take zone data from the pinned tzdata
# package, never from an older system database that would still say UTC+6.
zoneinfo.reset_tzpath(to=[])
USE_I18N = True
USE_TZ = True

# --- Static and private files ---------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
# Uploaded company documents: never served from a public URL, only through views that
# check permissions.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "private")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security -------------------------------------------------------------------------
# TLS terminates at the proxy, which sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(timedelta(hours=12).total_seconds())
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"


def _csp_hash(source: str) -> str:
    """Return the CSP source naming exactly this inline text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


# Content-Security-Policy (django-csp): every script and style from our own static files.
# No inline script runs and no inline <style> applies, except the ones the server writes
# itself with the page's nonce (pygal's results charts: see
# core/templatetags/content_policy.py). Websockets to the same host and port are 'self'.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # django-import-export's export page: its "Select all" box and two style
        # attributes, allowed by their exact text, nothing else inline.
        "script-src-attr": [UNSAFE_HASHES, _csp_hash("onSelectToggleChange(event)")],
        "style-src": [SELF, NONCE],
        "style-src-attr": [
            UNSAFE_HASHES,
            _csp_hash("padding: 0;"),
            _csp_hash("font-weight: bold;"),
        ],
        # Swagger UI draws its icons as data: URLs; charts and maps are inline SVG.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Permissions-Policy: no page uses a camera, a microphone, the location or payments.
# Passkeys (WebAuthn) stay allowed for the site itself.
PERMISSIONS_POLICY = ", ".join(
    [
        *(
            f"{feature}=()"
            for feature in (
                "accelerometer",
                "autoplay",
                "camera",
                "display-capture",
                "encrypted-media",
                "fullscreen",
                "geolocation",
                "gyroscope",
                "hid",
                "magnetometer",
                "microphone",
                "midi",
                "payment",
                "picture-in-picture",
                "screen-wake-lock",
                "serial",
                "usb",
                "xr-spatial-tracking",
            )
        ),
        "publickey-credentials-get=(self)",
    ]
)

# --- Email ----------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Nedra <no-reply@nedra.localhost>")

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON nested past a few levels is a 400 here, before the CSRF check or a view reads it.
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api_errors.handle_exception",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {
        # Anonymous callers of the public catalogue, results and registry, per address.
        "anon": env.str("API_ANON_RATE", default="120/min"),
    },
    "COERCE_DECIMAL_TO_STRING": True,
    # The anonymous rate counts per client address: the proxies' forwarded one, or the peer.
    "NUM_PROXIES": PROXY_COUNT,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Nedra API",
    "DESCRIPTION": "Subsoil-use auctions of the Republic of Kazakhstan. Amounts are decimal "
    "strings in KZT; times are ISO-8601 with offset.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The docs page loads Swagger UI from our own static files, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets several serializers share get one name each in the schema.
    "ENUM_NAME_OVERRIDES": {
        "DepositStatusEnum": "deposits.models.Deposit.Status",
        "PublicLotStatusEnum": "auctions.filters.PUBLIC_STATUS_CHOICES",
        "LotFormatEnum": "auctions.models.Lot.Format",
        "BidCeilingEnum": "auctions.models.Lot.BidCeiling",
    },
}

# Company documents: what may be uploaded, and how large.
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
# Uploads are refused while they stream, never stored whole first. No file past
# UPLOAD_MAX_BYTES is kept (the form then says it is too large; company documents are the
# largest files any form takes), and no request body past REQUEST_BODY_MAX_BYTES is read
# (413): registration's three documents and the form, as nginx's client_max_body_size.
UPLOAD_MAX_BYTES = DOCUMENT_MAX_BYTES
REQUEST_BODY_MAX_BYTES = env.int(
    "REQUEST_BODY_MAX_BYTES", default=3 * DOCUMENT_MAX_BYTES + 5 * 1024 * 1024
)
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "core.uploads.SizeLimitedUploadHandler",
]

# --- Signed documents -------------------------------------------------------------------
# The ministry's key signs results protocols and licence certificates (PAdES) and bid logs
# (detached CMS): a PKCS#12 file with its password, or a PEM key and certificate. The
# verification page trusts NEDRA_SIGNING_TRUST_ROOT (PEM), else the signing certificate.
NEDRA_SIGNING_P12 = env.str("NEDRA_SIGNING_P12", default="")
NEDRA_SIGNING_P12_PASSWORD = env.str("NEDRA_SIGNING_P12_PASSWORD", default="")
NEDRA_SIGNING_KEY = env.str("NEDRA_SIGNING_KEY", default="")
NEDRA_SIGNING_CERT = env.str("NEDRA_SIGNING_CERT", default="")
NEDRA_SIGNING_KEY_PASSWORD = env.str("NEDRA_SIGNING_KEY_PASSWORD", default="")
NEDRA_SIGNING_TRUST_ROOT = env.str("NEDRA_SIGNING_TRUST_ROOT", default="")
# Without a key, embedded mode (DEBUG) signs with a self-signed demonstration key made on
# first use under var/signing/, and every document says so. Production without a key
# refuses to start (the system check core.E001) unless this is set on purpose.
NEDRA_SIGNING_DEMO_KEY = env.bool("NEDRA_SIGNING_DEMO_KEY", default=DEBUG)
NEDRA_SIGNING_DEMO_DIR = VAR_DIR / "signing"
# The address the QR code of a signed document opens (scheme and host, no path); when
# empty, the address the document was first downloaded from.
NEDRA_PUBLIC_URL = env.str("NEDRA_PUBLIC_URL", default="")
# The largest PDF the public verification page accepts.
VERIFY_UPLOAD_MAX_BYTES = env.int("VERIFY_UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)

# --- Open data (OCDS) -------------------------------------------------------------------
# The ocid prefix registered with the Open Contracting Partnership ("ocds-" and six
# characters); the default is the standard's placeholder, for test and demo data only.
OCDS_PREFIX = env.str("NEDRA_OCDS_PREFIX", default="ocds-xxxxxx")
OCDS_PUBLISHER_NAME = env.str("NEDRA_OCDS_PUBLISHER", default="Nedra")
OCDS_BUYER_NAME = env.str(
    "NEDRA_OCDS_BUYER",
    default="Ministry of Industry and Construction of the Republic of Kazakhstan",
)
# The address of the data's licence, stated in every package when set.
OCDS_LICENSE = env.str("NEDRA_OCDS_LICENSE", default="")

# --- Import/export --------------------------------------------------------------------
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"

# --- Logging --------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # It logs every font subset it makes for a PDF.
        "fontTools": {"level": "WARNING"},
    },
}
