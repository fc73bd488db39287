"""Settings for consortium-mpc, read from the environment only (see README.md, "Settings").

Two switches shape everything:

* DEPLOYMENT_ENV=production (default) or dev. Production refuses to start without a
  SECRET_KEY of at least 50 characters and a non-empty ALLOWED_HOSTS, and refuses DEBUG.
  dev allows DEBUG=true, falls back to a fixed, public development key and to localhost.
* DEPLOYMENT_MODE=portal (default) or miner chooses the installed apps and URLs.
  A miner also needs MINER_INDEX (0, 1 or 2); the system check consortium.E001 refuses
  a miner without it.
"""

import logging
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from pythonjsonlogger.core import RESERVED_ATTRS as JSON_LOG_RESERVED_ATTRS

from consortium.env import (
    envbool,
    envchoice,
    envemail,
    envint,
    envlist,
    envsecret,
    envstr,
    parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# --- Deployment role -------------------------------------------------------------------

DEPLOYMENT_ENV = envchoice("DEPLOYMENT_ENV", ("production", "dev"), "production")
IS_DEV = DEPLOYMENT_ENV == "dev"
DEPLOYMENT_MODE = envchoice("DEPLOYMENT_MODE", ("portal", "miner"), "portal")
MINER_INDEX = envint("MINER_INDEX", None, lo=0, hi=2)

# --- Security --------------------------------------------------------------------------

DEBUG = envbool("DEBUG", False)
if DEBUG and not IS_DEV:
    raise ImproperlyConfigured("DEBUG=true is only allowed with DEPLOYMENT_ENV=dev")

# Public on purpose: it signs nothing that matters outside a developer's machine.
_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"  # noqa: S105
SECRET_KEY = envsecret("SECRET_KEY", _DEV_SECRET_KEY if IS_DEV else None)
if not IS_DEV and (SECRET_KEY is None or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "set SECRET_KEY or SECRET_KEY_FILE (at least 50 characters), "
        "or DEPLOYMENT_ENV=dev on a development machine"
    )

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if IS_DEV else [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("set ALLOWED_HOSTS (comma-separated host names)")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

SESSION_COOKIE_SECURE = not IS_DEV
CSRF_COOKIE_SECURE = not IS_DEV
X_FRAME_OPTIONS = "DENY"
# TLS normally ends at a reverse proxy that redirects to HTTPS itself; both are opt-in here
# because a wrong HSTS value locks browsers out for its whole duration.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0, lo=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
# The portal's Content-Security-Policy (consortium/security_headers.py) is enforced; true sends it as
# Report-Only instead, for an operator who must first see what a customised deployment would break.
CONTENT_SECURITY_POLICY_REPORT_ONLY = envbool("CONTENT_SECURITY_POLICY_REPORT_ONLY", False)
if envbool("TRUST_X_FORWARDED_PROTO", False):
    # Only behind a TLS-terminating proxy that overwrites this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Applications and URLs -------------------------------------------------------------

_COMMON_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "consortium.apps.ConsortiumConfig",
]
_MODE_APPS = {
    "portal": [
        # django.contrib.admin (staff only, second factor), django_otp.plugins.otp_totp and axes under
        # names readable in admin
        "consortium.portal.accounts.apps.PortalAdminConfig",
        "django.contrib.sessions",
        "django.contrib.messages",
        "django_otp",
        "consortium.portal.accounts.apps.SecondFactorConfig",
        "consortium.portal.accounts.apps.LockoutConfig",
        "consortium.portal.minerlink",
        "consortium.portal.accounts",
        "consortium.portal.periods",
        "consortium.portal.submissions",
        "consortium.portal.runs",
        "consortium.portal.reports",
        "consortium.portal.retention",
        "consortium.portal.overview",
    ],
    # the share store, the identity key and its commands, and cross-origin POSTs from the portal's pages
    "miner": ["miners.apps.MinersConfig", "miners.store", "miners.identity", "miners.pins", "miners.doctor",
              "corsheaders"],
}
INSTALLED_APPS = _COMMON_APPS + _MODE_APPS[DEPLOYMENT_MODE]
if IS_DEV and DEPLOYMENT_MODE == "portal":
    INSTALLED_APPS.append("consortium.portal.demo")  # `manage.py demo`: development machines only

# Each with the modes it runs in: a miner has no people, so no sessions, logins, languages or messages.
_MIDDLEWARE_MODES = [
    # first: every answer counts, redirects and refusals of the middleware below included
    ("consortium.metrics.HttpMetricsMiddleware", "portal miner"),
    ("django.middleware.security.SecurityMiddleware", "portal miner"),
    # right after it, as WhiteNoise asks: /static/ is answered before sessions, languages and logins
    ("whitenoise.middleware.WhiteNoiseMiddleware", "portal"),
    # before CommonMiddleware, as django-cors-headers asks: answers the browser's preflight itself
    ("corsheaders.middleware.CorsMiddleware", "miner"),
    # early, so that every portal response (redirects, lock-out and error pages too) carries it
    ("consortium.security_headers.ContentSecurityPolicyMiddleware", "portal"),
    ("django.contrib.sessions.middleware.SessionMiddleware", "portal"),
    ("django.middleware.locale.LocaleMiddleware", "portal"),
    ("django.middleware.common.CommonMiddleware", "portal miner"),
    ("django.middleware.csrf.CsrfViewMiddleware", "portal miner"),
    ("django.contrib.auth.middleware.AuthenticationMiddleware", "portal"),
    ("django_otp.middleware.OTPMiddleware", "portal"),
    ("consortium.portal.accounts.middleware.SessionLimitsMiddleware", "portal"),
    # until the second factor (and a reset password's change) is done, nothing else is reachable
    ("consortium.portal.accounts.middleware.AccessGateMiddleware", "portal"),
    ("consortium.portal.accounts.middleware.UserLanguageMiddleware", "portal"),
    ("django.contrib.messages.middleware.MessageMiddleware", "portal"),
    ("django.middleware.clickjacking.XFrameOptionsMiddleware", "portal miner"),
    # last, as django-axes asks: it turns a lock-out into the lock-out response (axes' own, sync only: one
    # thread hop fewer per hook of the middleware above it under ASGI; see the class)
    ("consortium.portal.accounts.middleware.AxesMiddleware", "portal"),
]
# axes.W002 looks for its middleware by name; the subclass above is it (tests/portal's lock-out tests).
SILENCED_SYSTEM_CHECKS = ["axes.W002"]


def middleware_for(mode: str) -> list[str]:
    return [name for name, modes in _MIDDLEWARE_MODES if mode in modes.split()]


MIDDLEWARE = middleware_for(DEPLOYMENT_MODE)

ROOT_URLCONF = "consortium.urls"
WSGI_APPLICATION = "consortium.wsgi.application"
ASGI_APPLICATION = "consortium.asgi.application"

_CONTEXT_PROCESSORS = ["django.template.context_processors.request"]
if DEPLOYMENT_MODE == "portal":
    _CONTEXT_PROCESSORS += [
        "django.template.context_processors.i18n",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
        "consortium.portal.overview.context_processors.consortium",
    ]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": _CONTEXT_PROCESSORS},
    }
]

# --- Portal: people, access, limits ----------------------------------------------------
# Every limit has a name, a number and a reason.

if DEPLOYMENT_MODE == "portal":
    AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # verifies older hashes, upgraded on login
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out login before checking the password
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "overview:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lock-out: 5 failed logins for one username from one address lock it for 1 hour
# (guessing a 12-character password at 5 an hour is hopeless; a typo-prone member is not locked for long).
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5, lo=1)
AXES_COOLOFF_TIME = envint("LOGIN_LOCKOUT_HOURS", 1, lo=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "consortium.portal.accounts.views.locked_out"  # a page that says when to try again
# A typed name that is nobody's username (maybe a password in the wrong field) is stored as "<unknown>".
AXES_USERNAME_CALLABLE = "consortium.portal.accounts.lockout.axes_username"

# Sessions: 12 h absolute (a working day), 30 min idle (a laptop left open in a meeting).
SESSION_ABSOLUTE_SECONDS = envint("SESSION_ABSOLUTE_SECONDS", 12 * 3600, lo=60)
SESSION_IDLE_SECONDS = envint("SESSION_IDLE_SECONDS", 30 * 60, lo=60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Second factor (TOTP): required for staff and board unless turned off here.
REQUIRE_2FA_FOR_STAFF = envbool("REQUIRE_2FA_FOR_STAFF", True)
REQUIRE_2FA_FOR_BOARD = envbool("REQUIRE_2FA_FOR_BOARD", True)
OTP_TOTP_ISSUER = envstr("OTP_TOTP_ISSUER", "Consortium benchmarking")
# The consortium's name where the portal names it to the outside: the spreadsheet (its file name too).
CONSORTIUM_NAME = envstr("CONSORTIUM_NAME", "Consortium")
# Where members write with questions (the pages' footer, the explanation page); none: not shown.
CONSORTIUM_CONTACT_EMAIL = envemail("CONSORTIUM_CONTACT_EMAIL", "")
# Nobody, staff included, sees a device's secret (key, otpauth URL, QR code) in admin: with it, staff
# could pass a board member's second factor.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Access tokens for the form: 2 hours, long enough to gather the figures, short enough to expire unused.
ACCESS_TOKEN_TTL_SECONDS = envint("ACCESS_TOKEN_TTL_SECONDS", 2 * 3600, lo=60)

# Publication: an indicator with fewer than k values is not published (a small cohort identifies members).
PUBLICATION_MIN_VALUES = envint("PUBLICATION_MIN_VALUES", 5, lo=1)

# The three miners as the portal knows them: base URL, the secret each uses to call the
# portal (stored here as given; compared in constant time), and its Ed25519 public key
# (base64 of the 32 raw bytes) that signs its receipts and output shares.
MINERS = [
    {
        "url": envstr(f"MINER_{i}_URL", ""),
        "secret": envsecret(f"MINER_{i}_SECRET"),
        "public_key": envstr(f"MINER_{i}_PUBLIC_KEY", ""),
    }
    for i in range(3)
]
# Calls to a miner: 10 s, so a dead miner shows as down quickly instead of hanging a page.
MINER_HTTP_TIMEOUT_SECONDS = envint("MINER_HTTP_TIMEOUT_SECONDS", 10, lo=1)
# Health checks (admin's period status page waits for them): 3 s, a healthy miner answers in milliseconds.
MINER_HEALTH_TIMEOUT_SECONDS = envint("MINER_HEALTH_TIMEOUT_SECONDS", 3, lo=1)
# Output shares per analysis a miner may push: 1000 values (a consortium has tens to hundreds of
# members); an annual period's outputs then stay near 1 MB, under Django's 2.5 MB request limit.
RUN_OUTPUT_MAX_VALUES = envint("RUN_OUTPUT_MAX_VALUES", 1000, lo=1, hi=100_000)
# A run with no progress push for 30 s: the portal asks the miners itself (at most once per 30 s),
# so a lost push or a miner that died without saying so does not leave the page stale forever.
RUN_POLL_AFTER_SECONDS = envint("RUN_POLL_AFTER_SECONDS", 30, lo=5)
# A run not finished 2 hours after its start is failed (with that reason, and can be restarted): sorting
# a million values takes minutes (docs/performance.md), so 2 hours only ever cuts off miners that stopped
# answering, which would otherwise leave the run "running", and the period blocked, forever.
RUN_TIMEOUT_SECONDS = envint("RUN_TIMEOUT_SECONDS", 2 * 3600, lo=60)
# Retention: a period's shares are deleted at the three miners 30 days after its report was published
# (the board has a month to find a reason to analyse it again; staff may delete them sooner).
SHARE_RETENTION_DAYS = envint("SHARE_RETENTION_DAYS", 30, lo=0)
# Form visits per member per hour: each visit issues a token (a database row and an audit event), so a
# script or a stuck reload loop cannot fill the tables; 20 is far beyond what filling in a form takes.
ACCESS_TOKENS_PER_USER_PER_HOUR = envint("ACCESS_TOKENS_PER_USER_PER_HOUR", 20, lo=1)

# --- Miner: its portal, identity, peers and limits (read in both modes, used by a miner) ----------

# The portal this miner serves: its base URL (https in production) and the secret of the (portal, this
# miner) pair, which the portal knows as MINER_<i>_SECRET. System checks refuse a miner without them.
PORTAL_URL = (envstr("PORTAL_URL", "") or "").rstrip("/")
PORTAL_SECRET = envsecret("PORTAL_SECRET")
# This miner's own base URL as the portal and the peers reach it (https://miner2.example.org): what
# `manage.py register_with_portal` tells the portal.
MINER_URL = (envstr("MINER_URL", "") or "").rstrip("/")
# The browser posts shares from the portal's pages: only that origin may (CORS, /api/shares only).
_PORTAL_PARTS = urlsplit(PORTAL_URL)
CORS_ALLOWED_ORIGINS = ([f"{_PORTAL_PARTS.scheme}://{_PORTAL_PARTS.netloc}"]
                        if _PORTAL_PARTS.scheme in ("https", "http") and _PORTAL_PARTS.netloc else [])
CORS_URLS_REGEX = r"^/api/shares$"
CORS_ALLOW_METHODS = ["POST", "OPTIONS"]
CORS_ALLOW_HEADERS = ["content-type"]
# A member waits for the token check while submitting: 5 s, a healthy portal answers in milliseconds; a
# slower one gets a clear 503 (nothing stored, the member can retry) instead of a hanging form.
PORTAL_TIMEOUT_SECONDS = envint("PORTAL_TIMEOUT_SECONDS", 5, lo=1, hi=60)
# The checks of concurrent submissions go together (miners/intake/token_checks.py): one look-up in the store
# and one request to the portal for at most 32, well below the portal's limit of 100 (docs/api.md section 1);
# under load the per-query and per-request costs, not the checks, were most of the CPU. 1: each check alone
# (its own look-up, the portal's single form).
MINER_TOKEN_BATCH_MAX = envint("MINER_TOKEN_BATCH_MAX", 32, lo=1, hi=100)
# This miner's Ed25519 identity key: base64 of the 32-byte private key, written by
# `manage.py create_identity` (MINER_IDENTITY_KEY_FILE names that file, as for every secret).
MINER_IDENTITY_KEY = envsecret("MINER_IDENTITY_KEY")
# The key's file, read again at each use: `manage.py rotate_identity` replaces it while the miner runs.
MINER_IDENTITY_KEY_PATH = envstr("MINER_IDENTITY_KEY_FILE", "") or ""
# After a rotation, peers and the portal accept the old key 7 days more (receipts signed just before it,
# a worker not yet restarted), then never again. Read in both modes: the portal keeps the same grace.
MINER_KEY_GRACE_SECONDS = envint("MINER_KEY_GRACE_SECONDS", 7 * 24 * 3600, lo=0, hi=365 * 24 * 3600)
# The two other miners, the first pin of each (`manage.py add_peer` and rotations store newer ones, which take
# precedence: miners/pins/): base URL (their health; their peer channel at <url>/peer/ws, wss:// for https://),
# Ed25519 public key, and optionally the peer channel's own URL when it is served elsewhere (a worker's
# MINER_PEER_LISTEN reached without a reverse proxy, as on one test machine).
MINER_PEERS = {
    j: {"url": (envstr(f"MINER_PEER_{j}_URL", "") or "").rstrip("/"),
        "public_key": envstr(f"MINER_PEER_{j}_PUBLIC_KEY", ""),
        "channel_url": envstr(f"MINER_PEER_{j}_CHANNEL_URL", "") or ""}
    for j in range(3) if j != MINER_INDEX
}
# How a run's party reaches its two peers: the dotted path of `connect_peers(run_id, index) -> Transport`
# (miners/runs/peers.py): the encrypted, authenticated websocket channel (miners/peering/).
MINER_CONNECT_PEERS = envstr("MINER_CONNECT_PEERS", "miners.runs.peers.websocket_peers")
# Where the Celery worker that runs the protocol serves /peer/ws (host:port; with a broker only: without
# one the runs execute in the ASGI process, which serves /peer/ws itself). TLS on that port when both
# files are set (else a reverse proxy terminates wss:// in front of it).
MINER_PEER_LISTEN = envstr("MINER_PEER_LISTEN", "") or ""
MINER_PEER_TLS_CERT_FILE = envstr("MINER_PEER_TLS_CERT_FILE", "") or ""
MINER_PEER_TLS_KEY_FILE = envstr("MINER_PEER_TLS_KEY_FILE", "") or ""
# The CA certificates that the peers' wss:// certificates are checked against (default: the system's).
MINER_PEER_CA_FILE = envstr("MINER_PEER_CA_FILE", "") or ""
# A run waits 60 s for both peers to connect: the portal starts the three miners one after another, and a
# worker may first finish the run before; a peer whose connection drops mid-run is waited for 30 s (it
# dials again and the run resumes where it was), then the run fails naming it.
MINER_PEER_CONNECT_SECONDS = envint("MINER_PEER_CONNECT_SECONDS", 60, lo=1, hi=3600)
MINER_PEER_RECONNECT_SECONDS = envint("MINER_PEER_RECONNECT_SECONDS", 30, lo=0, hi=3600)
# A share intake body: 64 KiB. A period has 7 fields of two 20-digit shares each (under 1 KiB);
# MINER_MAX_FIELDS = 50 fields leave room for larger forms, and nothing bigger is parsed at all.
MINER_SHARES_MAX_BODY_BYTES = envint("MINER_SHARES_MAX_BODY_BYTES", 64 * 1024, lo=1024, hi=2 * 1024 * 1024)
MINER_MAX_FIELDS = envint("MINER_MAX_FIELDS", 50, lo=1, hi=1000)
# A run request: 8 MiB, enough for MAX_COLUMNS (100,000) submission ids in columns and 3 series rows.
MINER_RUN_MAX_BODY_BYTES = envint("MINER_RUN_MAX_BODY_BYTES", 8 * 1024 * 1024, lo=64 * 1024)
if DEPLOYMENT_MODE == "miner":
    DATA_UPLOAD_MAX_MEMORY_SIZE = MINER_RUN_MAX_BODY_BYTES  # Django's own cap (2.5 MB) would cut it short
# Health checks of the peers (run in parallel): 2 s, so the portal's own 3 s health call still gets an answer.
MINER_PEER_HEALTH_TIMEOUT_SECONDS = envint("MINER_PEER_HEALTH_TIMEOUT_SECONDS", 2, lo=1, hi=30)
# A party waits this long for a peer's message before the run fails (mpc_engine's receive time-out).
MINER_PEER_TIMEOUT_SECONDS = envint("MINER_PEER_TIMEOUT_SECONDS", 60, lo=1)

SPECTACULAR_SETTINGS = {
    "TITLE": "consortium-mpc API",
    "DESCRIPTION": "The portal <-> miner contract (see docs/api.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Public on purpose: it describes the miner contract that docs/api.md already publishes, the
    # miners' operators (who have no portal account) read it, it holds no secret, and every endpoint
    # it names checks its own credential.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
}

# --- Storage ---------------------------------------------------------------------------

# One database per party, never shared: the default SQLite file is named after the role.
if DEPLOYMENT_MODE == "portal":
    _ROLE = "portal"
else:
    _ROLE = "miner" if MINER_INDEX is None else f"miner{MINER_INDEX}"
DATABASES = {
    "default": parse_database_url(
        envsecret("DATABASE_URL", f"sqlite:///{BASE_DIR / f'{_ROLE}.sqlite3'}")
    )
}
# SQLite, the embedded default, serving concurrent requests (several threads or processes): WAL lets
# readers run beside the one writer; a writer waits up to SQLITE_BUSY_TIMEOUT_SECONDS for the lock instead
# of failing with "database is locked"; IMMEDIATE transactions take the write lock at BEGIN, because two
# transactions that read and then write would otherwise deadlock on upgrading their locks, and SQLite
# fails one of them at once whatever the timeout. (8 simultaneous checks of one token: 6 of 8 were 500.)
SQLITE_BUSY_TIMEOUT_SECONDS = envint("SQLITE_BUSY_TIMEOUT_SECONDS", 20, lo=1)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",  # NORMAL is durable in WAL
    }
# PostgreSQL: a pool of open connections per process (psycopg_pool through Django's OPTIONS["pool"]). Without
# it every request opens a new connection, for which PostgreSQL forks a server process: share intake ran at
# 42 submissions/s that way, 118/s with a pool (docs/performance.md, "Share intake"). CONN_MAX_AGE is no
# substitute under ASGI: each request runs its sync view on a thread of its own, and kept connections pile
# up until PostgreSQL refuses more. 10 per process: enough for the requests two cores can serve at once,
# and the Docker set-up's nine processes on one PostgreSQL (a portal, its worker and beat, three miners and
# their workers) stay under its default max_connections of 100 (at most 90). A request waits at most
# DATABASE_POOL_TIMEOUT_SECONDS for a free connection, then fails instead of hanging.
# 0 opens a connection per request as before.
DATABASE_POOL_MAX_SIZE = envint("DATABASE_POOL_MAX_SIZE", 10, lo=0, hi=1000)
DATABASE_POOL_TIMEOUT_SECONDS = envint("DATABASE_POOL_TIMEOUT_SECONDS", 10, lo=1, hi=300)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DATABASE_POOL_MAX_SIZE:
    DATABASES["default"]["OPTIONS"]["pool"] = {"min_size": min(2, DATABASE_POOL_MAX_SIZE),
                                               "max_size": DATABASE_POOL_MAX_SIZE,
                                               "timeout": DATABASE_POOL_TIMEOUT_SECONDS}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = envsecret("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Celery ----------------------------------------------------------------------------

CELERY_BROKER_URL = envsecret("CELERY_BROKER_URL", REDIS_URL)
# Without a broker, tasks run in-process so that a checkout works with nothing installed.
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", CELERY_BROKER_URL is None)
if not CELERY_TASK_ALWAYS_EAGER and CELERY_BROKER_URL is None:
    raise ImproperlyConfigured(
        "CELERY_TASK_ALWAYS_EAGER=false needs CELERY_BROKER_URL or REDIS_URL"
    )
CELERY_TASK_EAGER_PROPAGATES = True
# JSON only: a pickled message from the broker would be code execution.
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
if DEPLOYMENT_MODE == "miner":
    # One run at a time, in the worker process that also serves /peer/ws (miners/peering/configured.py).
    CELERY_WORKER_POOL = "solo"
    CELERY_WORKER_CONCURRENCY = 1
    CELERY_WORKER_PREFETCH_MULTIPLIER = 1
    # A run's task is redelivered only when its worker died: not while a slow run still computes.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": RUN_TIMEOUT_SECONDS + 3600}
if DEPLOYMENT_MODE == "portal":
    # For `celery beat` (or a worker started with --beat): runs past RUN_TIMEOUT_SECONDS are failed
    # even when no page asks for them; every 5 minutes is plenty against a limit of hours.
    # Every hour: the periods whose shares are due for deletion (SHARE_RETENTION_DAYS), and another try at
    # a miner that could not be reached before.
    CELERY_BEAT_SCHEDULE = {"fail-overdue-runs": {"task": "consortium.portal.runs.tasks.fail_overdue_runs",
                                                  "schedule": 300.0},
                            "purge-expired-shares": {
                                "task": "consortium.portal.retention.tasks.purge_expired_shares",
                                "schedule": 3600.0}}

# --- Internationalisation, static files ----------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("et", "Eesti")]
# The consortium's time zone: every date and time people read (pages, admin, the spreadsheet) is in it.
# Stored times stay in UTC (USE_TZ). Django refuses a name that is not in the time zone database.
TIME_ZONE = envstr("TIME_ZONE", "Europe/Tallinn")
USE_I18N = True
# Dates and numbers per language (consortium/formats/<lang>/formats.py, ahead of Django's locales):
# English with a European day-month-year and 24-hour clock; what Django's Estonian locale lacks.
FORMAT_MODULE_PATH = ["consortium.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles"))
# The portal serves its own static files (WhiteNoise), so every way of running it has its styles and
# scripts. dev: straight from static/ and the apps (no collectstatic; an edited file is served at once).
# production: from STATIC_ROOT, written by `collectstatic` (the Docker image runs it at build time),
# under content-hashed names that browsers may cache for ever, with gzip/brotli copies.
WHITENOISE_USE_FINDERS = IS_DEV
WHITENOISE_AUTOREFRESH = IS_DEV
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if IS_DEV
                    else "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Closed by default: an API view that forgets its own classes needs a logged-in session (no HTTP
    # Basic, which would skip the second factor); a miner has no sessions, so no default there.
    "DEFAULT_AUTHENTICATION_CLASSES": (["rest_framework.authentication.SessionAuthentication"]
                                       if DEPLOYMENT_MODE == "portal" else []),
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # a miner's unauthenticated rotation endpoint (its peers deliver a statement once, --resend again)
    "DEFAULT_THROTTLE_RATES": {"identity_rotation": "60/hour"},
}
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Observability: metrics and logs (docs/observability.md) ---------------------------------

# A miner's status page (GET /status: its doctor's report for the host's IT person) asks for this password
# by HTTP Basic (any user name); unset, the page is 404.
MINER_STATUS_PASSWORD = envsecret("MINER_STATUS_PASSWORD")
if MINER_STATUS_PASSWORD is not None and len(MINER_STATUS_PASSWORD) < 16:
    raise ImproperlyConfigured("MINER_STATUS_PASSWORD must have at least 16 characters")

# GET /metrics (Prometheus) answers only `Authorization: Bearer <METRICS_TOKEN>`; unset, it is 404.
METRICS_TOKEN = envsecret("METRICS_TOKEN")
if METRICS_TOKEN is not None and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("METRICS_TOKEN must have at least 32 characters "
                               "(python -c 'import secrets; print(secrets.token_urlsafe(32))')")

# prometheus_client reads PROMETHEUS_MULTIPROC_DIR itself (when it is imported): checked here so that a
# wrong path stops the process with a clear message rather than at the first counter.
_MULTIPROC_DIR = envstr("PROMETHEUS_MULTIPROC_DIR", None)
if _MULTIPROC_DIR is not None and not Path(_MULTIPROC_DIR).is_dir():
    raise ImproperlyConfigured("PROMETHEUS_MULTIPROC_DIR must name an existing directory")

# plain: Django's default lines; json: one JSON object per line (python-json-logger), for a log collector.
LOG_FORMAT = envchoice("LOG_FORMAT", ("plain", "json"), "plain")
LOG_LEVEL = envchoice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO")
JSON_LOG_FORMATTER = {  # {"time": "<ISO 8601, UTC>", "level", "logger", "pid", "message"[, "exc_info"]}
    "()": "pythonjsonlogger.json.JsonFormatter",
    "fmt": "%(levelname)s %(name)s %(process)d %(message)s",
    "rename_fields": {"levelname": "level", "name": "logger", "process": "pid"},
    "timestamp": "time",
    "reserved_attrs": [*JSON_LOG_RESERVED_ATTRS, "color_message"],  # uvicorn's copy with terminal colours
}
_LOG_HANDLER = {"class": "logging.StreamHandler"}
if LOG_FORMAT == "json":
    _LOG_HANDLER["formatter"] = "json"
    logging.captureWarnings(True)  # Python's warnings as records of the py.warnings logger: JSON lines too
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": JSON_LOG_FORMATTER},
    "handlers": {"console": _LOG_HANDLER},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # never the SQL with its parameters (a share's bytes, a token's hash), whatever LOG_LEVEL says
        "django.db.backends": {"level": "INFO"},
        # uvicorn's own lines in the same format (it configured them before Django started)
        **({name: {"handlers": ["console"], "propagate": False}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")} if LOG_FORMAT == "json" else {}),
    },
}
