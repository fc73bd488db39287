"""Settings for consortium-mpc, read from the environment only (see README.md, "Settings").

Two switches shape everything:

* DEPLOYMENT_ENV=production (default) or dev. Production refuses to start without a
  SECRET_KEY of at least 50 characters and a non-empty ALLOWED_HOSTS, and refuses DEBUG.
  dev allows DEBUG=true, falls back to a fixed, public development key and to localhost.
* DEPLOYMENT_MODE=portal (default) or miner chooses the installed apps and URLs.
  A miner also needs MINER_INDEX (0, 1 or 2); the system check consortium.E001 refuses
  a miner without it.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from consortium.env import (
    envbool,
    envchoice,
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
if envbool("TRUST_X_FORWARDED_PROTO", False):
    # Only behind a TLS-terminating proxy that overwrites this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Applications and URLs -------------------------------------------------------------

_COMMON_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.staticfiles",
    "rest_framework",
    "consortium.apps.ConsortiumConfig",
]
_MODE_APPS = {
    "portal": [
        "django.contrib.admin",
        "django.contrib.sessions",
        "django.contrib.messages",
    ],
    "miner": ["miners.apps.MinersConfig"],
}
INSTALLED_APPS = _COMMON_APPS + _MODE_APPS[DEPLOYMENT_MODE]

_PORTAL_ONLY_MIDDLEWARE = {
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
}
MIDDLEWARE = [
    m
    for m in [
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ]
    if DEPLOYMENT_MODE == "portal" or m not in _PORTAL_ONLY_MIDDLEWARE
]

ROOT_URLCONF = "consortium.urls"
WSGI_APPLICATION = "consortium.wsgi.application"
ASGI_APPLICATION = "consortium.asgi.application"

_CONTEXT_PROCESSORS = ["django.template.context_processors.request"]
if DEPLOYMENT_MODE == "portal":
    _CONTEXT_PROCESSORS += [
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": _CONTEXT_PROCESSORS},
    }
]

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

# --- Internationalisation, static files, logging ----------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("et", "Eesti")]
TIME_ZONE = envstr("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles"))

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": envchoice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"),
    },
}
