"""Settings for the Openness Index: one module, every value from the environment.

With no variable set, the embedded default runs: a SQLite file, Celery in eager mode and a
local-memory cache. ``DATABASE_URL`` switches to PostgreSQL, ``REDIS_URL`` to Redis as the
Celery broker and the cache. ``OPENNESS_DEPLOYMENT=production`` turns on the checks and
hardening a public deployment needs (and refuses to start without a real secret key,
allowed hosts and a database URL). Malformed values raise ``ImproperlyConfigured`` naming
the variable. docs/operations.md lists every variable.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from openness.env import env_bool, env_choice, env_float, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("OPENNESS_VAR_DIR", str(BASE_DIR / "var")))

DEPLOYMENT = env_choice("OPENNESS_DEPLOYMENT", "embedded", ("embedded", "production"))
PRODUCTION = DEPLOYMENT == "production"
TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")

DEBUG = False if PRODUCTION else env_bool("DJANGO_DEBUG", False)

_DEV_SECRET = "embedded-only-insecure-key-never-used-in-production-0123456789abcdef"  # noqa: S105 - refused in production
SECRET_KEY = env_str("DJANGO_SECRET_KEY", None if PRODUCTION else _DEV_SECRET)
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when OPENNESS_DEPLOYMENT=production")
if PRODUCTION and (SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a random string of at least 50 characters")

# Rotation: the new key signs, the old ones (comma-separated) still verify sessions and
# signed links until they expire; drop them after SESSION_COOKIE_AGE (docs/operations.md).
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS", [])

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS is required when OPENNESS_DEPLOYMENT=production")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # django.contrib.admin with the staff site (second factor for reviewers and administrators)
    "corrections.admin_config.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "csp",
    "django_celery_beat",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "catalog",
    "scoring",
    "corrections",
    "web",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # innermost: marks direction controls and look-alike words in the page the view made
    "web.middleware.RevealMisleadingText",
    # django-axes wants to be last: it turns a locked-out sign-in into the lockout page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "openness.urls"
WSGI_APPLICATION = "openness.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    }
]

# --- database ---------------------------------------------------------------------
_env = environ.Env()
_database_url = env_url("DATABASE_URL", None, schemes=("postgres", "postgresql", "sqlite"))
if PRODUCTION and not _database_url:
    raise ImproperlyConfigured("DATABASE_URL is required when OPENNESS_DEPLOYMENT=production")
if _database_url:
    try:
        _db = _env.db_url_config(_database_url)
    except Exception as exc:  # django-environ raises several types for bad URLs
        raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from None
else:
    _db = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(VAR_DIR / "openness.sqlite3")}
if _db["ENGINE"] == "django.db.backends.postgresql":
    _db["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60 if PRODUCTION else 0, minimum=0)
    _db["CONN_HEALTH_CHECKS"] = True
    _db.setdefault("OPTIONS", {})["connect_timeout"] = env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1)
else:
    # A file, not memory, for the test database too, so worker-process tests can share it;
    # one per test session, so parallel sessions never meet.
    _db["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
    # Crawls write from a worker while the site reads: wait for the lock instead of failing.
    _db.setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            # WAL lets the site read while a crawl writes; NORMAL sync is safe with WAL.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USING_POSTGRES = _db["ENGINE"] == "django.db.backends.postgresql"

# --- redis: broker and cache --------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", None, schemes=("redis", "rediss"))


def _redis_db(url: str, db: int) -> str:
    """The same server as ``url`` on database ``db``: broker and cache must not share a db."""
    head, _, tail = url.partition("://")
    hostpart, _, _path = tail.partition("/")
    return f"{head}://{hostpart}/{db}"


CACHE_URL = env_url("CACHE_URL", _redis_db(REDIS_URL, 1) if REDIS_URL else None, schemes=("redis", "rediss"))
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "openness"),
            "TIMEOUT": 300,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "openness"}}

# --- celery -----------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", REDIS_URL is None)
# In the embedded mode a failing task must not break the request that queued it (the
# failure is recorded by the task itself); tests turn propagation on.
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 600, minimum=1)
# A model whose last successful crawl is older than this is shown as stale (page, board, API)
STALE_AFTER_DAYS = env_int("STALE_AFTER_DAYS", 14, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 660, minimum=2)
if CELERY_TASK_TIME_LIMIT <= CELERY_TASK_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_TASK_TIME_LIMIT must be greater than CELERY_TASK_SOFT_TIME_LIMIT")
# Redis redelivers unacknowledged messages after this; it must exceed the longest task plus
# the longest retry countdown, or a delayed retry would be delivered twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 7200, minimum=60),
    "socket_timeout": 10,
    "socket_connect_timeout": 5,
    "retry_on_timeout": True,
    "health_check_interval": 30,
}
# Retry countdowns stay well inside the visibility timeout (see above).
CELERY_VISIBILITY_TIMEOUT_SAFE = CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] // 2
DISCOVER_SOFT_TIME_LIMIT = env_int("DISCOVER_SOFT_TIME_LIMIT", 3000, minimum=10)
# A discovery run whose heartbeat is older than this is presumed dead and is taken over.
DISCOVER_HEARTBEAT_STALE_SECONDS = env_int("DISCOVER_HEARTBEAT_STALE_SECONDS", 120, minimum=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker that loses its broker after connecting exits (code 1) for its supervisor to restart
# it, instead of reconnecting in place: after a quick Redis restart kombu's reconnected Redis
# consumer can stay registered without reading, so the worker looks alive and takes no task
# (celery/kombu#2629; the issue 17 drill reproduced it with kombu 5.7.0). A fresh process always
# consumes; the sweeper re-enqueues what the restart lost.
CELERY_BROKER_CONNECTION_RETRY = env_bool("CELERY_BROKER_CONNECTION_RETRY", False)
# The sweeper re-enqueues work the database says is due but no task is doing (a lost or
# flushed broker): a model due for longer than this is enqueued again (at most once per period).
SWEEP_GRACE_SECONDS = env_int("SWEEP_GRACE_SECONDS", 900, minimum=1)
CELERY_TASK_DEFAULT_QUEUE = "default"
# django-celery-beat's scheduler behind a PostgreSQL advisory lock: however many beat processes
# run, one sends (openness/beat.py); it records each job's last run after every send.
CELERY_BEAT_SCHEDULER = "openness.beat:SingleBeatScheduler"
CELERY_BEAT_SYNC_EVERY = 1
BEAT_STANDBY_SECONDS = env_float("BEAT_STANDBY_SECONDS", 5.0, minimum=0.1)
CELERY_BEAT_SCHEDULE = {
    "discover-incremental": {
        "task": "catalog.tasks.discover",
        "schedule": timedelta(minutes=env_int("DISCOVER_INCREMENTAL_MINUTES", 30, minimum=1)),
        "kwargs": {"mode": "incremental"},
    },
    "discover-full": {
        "task": "catalog.tasks.discover",
        "schedule": crontab(minute=15, hour=3, day_of_week="sun"),
        "kwargs": {"mode": "full"},
    },
    "recrawl-stale-repos": {
        "task": "catalog.tasks.recrawl_stale_repos",
        "schedule": timedelta(hours=1),
    },
    "recrawl-stale-datasets": {
        "task": "catalog.tasks.recrawl_stale_datasets",
        "schedule": timedelta(hours=6),
    },
    "sweep-lost-work": {
        "task": "catalog.tasks.sweep_lost_work",
        "schedule": timedelta(seconds=env_int("SWEEP_INTERVAL_SECONDS", 300, minimum=1)),
    },
    "corrections-sweep": {
        "task": "corrections.tasks.sweep",
        "schedule": timedelta(minutes=env_int("CORRECTIONS_SWEEP_MINUTES", 15, minimum=1)),
    },
    "export-dump": {
        "task": "scoring.tasks.export_dump",
        "schedule": crontab(minute=40, hour=4),
    },
}

# --- crawler ----------------------------------------------------------------------
HF_ENDPOINT = env_url("HF_ENDPOINT", "https://huggingface.co", schemes=("http", "https"))
HF_TOKEN = env_str("HF_TOKEN")
GITHUB_API_URL = env_url("GITHUB_API_URL", "https://api.github.com", schemes=("http", "https"))
GITHUB_TOKEN = env_str("GITHUB_TOKEN")
# The Hub allows 500 API calls per 5 minutes anonymously and 1,000 with a free token; stay
# 10 % under so other tools sharing the IP or token keep some room.
HUB_REQUEST_WINDOW_SECONDS = env_int("HUB_REQUEST_WINDOW_SECONDS", 300, minimum=1)
HUB_REQUEST_BUDGET = env_int("HUB_REQUEST_BUDGET", 900 if HF_TOKEN else 450, minimum=0)  # 0 = unlimited
# README and other file downloads (/resolve/) count in the Hub's separate "resolvers" bucket:
# 3,000 per 5 minutes anonymously, 5,000 with a free token (hub-docs rate-limits.md).
HUB_RESOLVER_BUDGET = env_int("HUB_RESOLVER_BUDGET", 4500 if HF_TOKEN else 2700, minimum=0)  # 0 = unlimited
# Requests spread over the window: each slice of this many seconds allows its share only.
CRAWL_PACE_SECONDS = env_float("CRAWL_PACE_SECONDS", 10.0, minimum=0.0)
# Stop when the upstream's own RateLimit / x-ratelimit-remaining count falls to this.
CRAWL_UPSTREAM_RESERVE = env_int("CRAWL_UPSTREAM_RESERVE", 5, minimum=0)
GITHUB_REQUEST_WINDOW_SECONDS = env_int("GITHUB_REQUEST_WINDOW_SECONDS", 3600, minimum=1)
GITHUB_REQUEST_BUDGET = env_int("GITHUB_REQUEST_BUDGET", 4500 if GITHUB_TOKEN else 55, minimum=0)
HUB_LIST_PAGE_SIZE = env_int("HUB_LIST_PAGE_SIZE", 1000, minimum=1, maximum=1000)
HUB_HTTP_TIMEOUT = env_float("HUB_HTTP_TIMEOUT", 30.0, minimum=0.1)
# In-request retries by huggingface_hub's http_backoff (429/5xx/timeouts); tasks retry on top.
HUB_HTTP_MAX_RETRIES = env_int("HUB_HTTP_MAX_RETRIES", 5, minimum=0)
HUB_HTTP_BACKOFF_BASE = env_float("HUB_HTTP_BACKOFF_BASE", 1.0, minimum=0.0)
HUB_HTTP_BACKOFF_MAX = env_float("HUB_HTTP_BACKOFF_MAX", 8.0, minimum=0.0)
# Public address of the Hub for evidence links; the stand-in serves a copy of huggingface.co.
HF_PUBLIC_URL = env_url("HF_PUBLIC_URL", HF_ENDPOINT, schemes=("http", "https"))
README_MAX_BYTES = env_int("README_MAX_BYTES", 512 * 1024, minimum=1024)
CRAWL_MAX_RETRIES = env_int("CRAWL_MAX_RETRIES", 5, minimum=0)
CRAWL_RETRY_BACKOFF_MAX = env_int("CRAWL_RETRY_BACKOFF_MAX", 600, minimum=1)
# Detail crawls (files, README links, datasets, repositories) are spent on models that
# people use; the long tail still gets the listing facts from discovery.
CRAWL_POPULARITY_THRESHOLD = env_int("CRAWL_POPULARITY_THRESHOLD", 100, minimum=0)  # downloads (30 days)
CRAWL_LIKES_THRESHOLD = env_int("CRAWL_LIKES_THRESHOLD", 20, minimum=0)
CRAWL_MAX_LINKS_PER_CARD = env_int("CRAWL_MAX_LINKS_PER_CARD", 50, minimum=1)
# a linked GitHub repository's README and data documentation (methodology v2, training data):
# at most this many documents per repository besides the README, each read up to this size
# (a larger one is recorded as oversized and not read), this many links kept per document
REPO_DOCS_MAX_FILES = env_int("REPO_DOCS_MAX_FILES", 4, minimum=0, maximum=20)
REPO_DOCS_MAX_BYTES = env_int("REPO_DOCS_MAX_BYTES", 256 * 1024, minimum=1024)
REPO_DOCS_MAX_LINKS = env_int("REPO_DOCS_MAX_LINKS", 100, minimum=1)
# Hub collections linked in a card's training section are expanded into their datasets
# (one request each): at most this many collections per card, this many datasets per collection
CRAWL_MAX_COLLECTIONS_PER_CARD = env_int("CRAWL_MAX_COLLECTIONS_PER_CARD", 5, minimum=0)
CRAWL_MAX_DATASETS_PER_COLLECTION = env_int("CRAWL_MAX_DATASETS_PER_COLLECTION", 100, minimum=1)
# corpora named in a card's training text are looked up among the organisation's Hub datasets
# (one listing request each), at most this many per card
# a model repository's own LICENSE file is read (when its metadata names no licence) up to this size
LICENSE_FILE_MAX_BYTES = env_int("LICENSE_FILE_MAX_BYTES", 32_768, minimum=1024)
CRAWL_MAX_NAMED_DATASETS_RESOLVED = env_int("CRAWL_MAX_NAMED_DATASETS_RESOLVED", 5, minimum=0)
# base models a card names by a name (not a Hub id) looked up in the Hub's listing, per card
CRAWL_MAX_BASE_NAMES_RESOLVED = env_int("CRAWL_MAX_BASE_NAMES_RESOLVED", 2, minimum=0)
CRAWL_USER_AGENT = env_str(
    "CRAWL_USER_AGENT", "openness-index-crawler/0.1 (+https://github.com/openness-index/openness-index)"
)
# Hosts the crawler may contact besides HF_ENDPOINT and GITHUB_API_URL: none by default.
CRAWL_EXTRA_ALLOWED_HOSTS = env_list("CRAWL_EXTRA_ALLOWED_HOSTS", [])
# Where the Hub redirects file downloads stored in LFS / Xet (a README among them, now and
# then): followed there, and nowhere else. The hosts huggingface_hub's downloads end on.
HUB_CDN_HOSTS = env_list(
    "HUB_CDN_HOSTS",
    [
        "cdn-lfs.hf.co",
        "cdn-lfs-us-1.hf.co",
        "cdn-lfs-eu-1.hf.co",
        "cdn-lfs.huggingface.co",
        "cas-bridge.xethub.hf.co",
    ],
)

# Processes for a full rescore on PostgreSQL (one per core by default; 1 = in-process).
RESCORE_PROCESSES = env_int("RESCORE_PROCESSES", os.cpu_count() or 1, minimum=1, maximum=32)

# --- leaderboard --------------------------------------------------------------------
NOTABLE_MIN_DOWNLOADS = env_int("NOTABLE_MIN_DOWNLOADS", 1000, minimum=0)
NOTABLE_MIN_LIKES = env_int("NOTABLE_MIN_LIKES", 50, minimum=0)
LEADERBOARD_PAGE_SIZE = env_int("LEADERBOARD_PAGE_SIZE", 50, minimum=1, maximum=500)
EXPORT_DIR = Path(env_str("EXPORT_DIR", str(VAR_DIR / "exports")))
# The public address of the site (scheme://host[:port], no trailing slash): absolute URLs in
# badge Markdown, citations, exports, the dump, the sitemap and social-preview tags. The demo's
# address by default; in production the first allowed host over HTTPS unless set.
_first_host = next((h.lstrip(".") for h in ALLOWED_HOSTS if h not in ("*",) and "*" not in h), "")
SITE_URL = (
    env_url(
        "SITE_URL",
        f"https://{_first_host}" if PRODUCTION and _first_host else "http://127.0.0.1:8000",
        schemes=("http", "https"),
    )
    or ""
).rstrip("/")

# public "report a problem" submissions per address per hour
REPORT_RATE_PER_HOUR = env_int("REPORT_RATE_PER_HOUR", 5, minimum=1)

# --- auth, i18n, static -------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Staff sign-in (docs/operations.md "Staff security"). django-axes checks every sign-in first
# and counts failures per user name + address in the database (works the same on SQLite and
# PostgreSQL, survives a cache flush); the address is read as the report throttle reads it
# (lib/clientip.py: X-Forwarded-For only behind API_NUM_PROXIES trusted proxies).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "lib.clientip.client_address"
AXES_LOCKOUT_CALLABLE = "corrections.staffauth.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token"]
# reviewers and administrators give a TOTP code as well (corrections/staffauth.py)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Openness Index")

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- security -----------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Only staff have sessions (the public site keeps none): a working day, and none survives
# closing the browser.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# No inline scripts or styles anywhere; everything is served from our own origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Retry-After", "Link"]

# --- REST API -----------------------------------------------------------------------
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "120/min")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": [],
    "DEFAULT_THROTTLE_CLASSES": ["openness.throttling.FixedWindowAnonThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": API_THROTTLE_RATE},
    "NUM_PROXIES": env_int("API_NUM_PROXIES", 0, minimum=0),
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "web.api.errors.api_exception_handler",
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Openness Index API",
    "DESCRIPTION": "Read-only access to the Openness Index: models, their four openness judgments "
    "with evidence, lineage, licenses, score history and methodology versions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"OpennessLevelEnum": "scoring.levels.LEVELS"},
}

# --- logging ------------------------------------------------------------------------
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "httpx2": {"level": "WARNING"},
        "httpcore2": {"level": "WARNING"},
        "huggingface_hub": {"level": "WARNING"},
    },
}

# The SQLite file, exports and collected static files live here by default.
os.makedirs(VAR_DIR, exist_ok=True)
os.makedirs(STATIC_ROOT, exist_ok=True)
