"""Settings shared by every environment, read from environment variables.

With nothing set, the site runs on the embedded defaults: a SQLite file under ``var/``, a
local-memory cache, and Celery tasks executed eagerly in-process. Setting ``DATABASE_URL`` and
``REDIS_URL`` switches to PostgreSQL, Redis caching and a real Celery broker.

This module holds the infrastructure, one section per concern: Django core, database and
cache, security and accounts, API, Celery, observability. What the platform itself does (models
and training, serving and ranking, explanations, privacy and retention, the outbox: the
``RECSITE_*`` settings) is in ``features.py``, imported at the end. production.py overrides
what production needs.
"""

from datetime import timedelta

from recsite.observability import logging_config, sentry_init

from .environment import BASE_DIR, VAR_DIR, env  # noqa: F401 (BASE_DIR is a setting as well)

# --- Django core ----------------------------------------------------------------------------
# Development-only default; production.py requires DJANGO_SECRET_KEY and has no default.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-key-recsite-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# (Django's test environment adds its own "testserver".)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI assets served locally: no CDN needed for /api/docs/
    "django_celery_beat",
    "articles",
    "recommender",
    "recsite",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before CommonMiddleware (Django's rule): the language is the
    # django_language cookie the switcher sets, else the browser's Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Replays a retried API POST's first response (Idempotency-Key; see the API section).
    "recsite.idempotency.middleware.IdempotencyMiddleware",
]

ROOT_URLCONF = "recsite.urls"
WSGI_APPLICATION = "recsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

LANGUAGE_CODE = "en"
# The interface's languages. No language prefix in URLs (no i18n_patterns): an article has one
# address whatever the reader's language, which the language cookie or Accept-Language picks.
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The embedded default serves static files straight from the apps (no collectstatic step, so no
# STATIC_ROOT: WhiteNoise would warn that the folder is missing); production.py collects them
# into one and serves the compressed, hashed copies instead.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Bounded request bodies: a 1,000-interaction batch is well under 1 MiB.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)

# --- database and cache ---------------------------------------------------------------------
if "DATABASE_URL" not in env.ENVIRON:
    VAR_DIR.mkdir(exist_ok=True)  # the embedded SQLite database lives here
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'recsite.sqlite3'}"),
}
# Persistent connections with a health check, so a restarted PostgreSQL is reconnected to.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("RECSITE_CACHE_PREFIX", default="recsite"),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# A dead Redis must degrade the site, not break it: cache reads miss and writes are dropped, each
# failure logged by django_redis. The readiness check still reports the cache as down, because
# what it writes cannot be read back.
DJANGO_REDIS_IGNORE_EXCEPTIONS = True
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# --- security and accounts ------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# How many reverse proxies (TLS terminator, load balancer) stand in front of the web processes:
# the client address is taken from X-Forwarded-For that many hops from the right, else it is
# REMOTE_ADDR. 0 (the default) when clients connect directly; 1 behind one proxy that appends to
# X-Forwarded-For (docker-compose's). Too high a number lets clients pick their own address.
RECSITE_TRUSTED_PROXIES = env.int("RECSITE_TRUSTED_PROXIES", default=0)
# Password guessing (site, admin and token endpoint alike; counted in the cache): every address
# has the "auth" throttle rate (API section); and after this many failed logins for one account
# within the window, that account's logins wait 1 s, 2 s, 4 s ... up to
# RECSITE_LOGIN_BACKOFF_MAX_SECONDS after each further failure (429 + Retry-After), except from
# an address that has logged in to that account before (for RECSITE_LOGIN_KNOWN_ADDRESS_DAYS).
AUTHENTICATION_BACKENDS = ["recsite.login_throttle.ThrottledModelBackend"]
RECSITE_LOGIN_FAILURE_LIMIT = env.int("RECSITE_LOGIN_FAILURE_LIMIT", default=5)
RECSITE_LOGIN_FAILURE_WINDOW_SECONDS = env.int("RECSITE_LOGIN_FAILURE_WINDOW_SECONDS", default=900)
RECSITE_LOGIN_BACKOFF_MAX_SECONDS = env.int("RECSITE_LOGIN_BACKOFF_MAX_SECONDS", default=60)
RECSITE_LOGIN_KNOWN_ADDRESS_DAYS = env.int("RECSITE_LOGIN_KNOWN_ADDRESS_DAYS", default=30)

# An API token expires this many days after it was issued (401, "Token expired"); the token
# endpoint then issues a fresh one. A password change ends an account's tokens at once.
RECSITE_TOKEN_TTL_DAYS = env.int("RECSITE_TOKEN_TTL_DAYS", default=30)
# Password reset emails: printed on the console here (the embedded demo); production.py sends
# them over SMTP. Reset requests are limited per email address, and more loosely per client
# address, within the window (recsite.account_views).
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="recsite <no-reply@localhost>")
RECSITE_PASSWORD_RESET_LIMIT = env.int("RECSITE_PASSWORD_RESET_LIMIT", default=5)
RECSITE_PASSWORD_RESET_ADDRESS_LIMIT = env.int("RECSITE_PASSWORD_RESET_ADDRESS_LIMIT", default=20)
RECSITE_PASSWORD_RESET_WINDOW_SECONDS = env.int(
    "RECSITE_PASSWORD_RESET_WINDOW_SECONDS", default=60 * 60
)
# How long a password reset link works (Django's setting; its default is 3 days).
PASSWORD_RESET_TIMEOUT = env.int("DJANGO_PASSWORD_RESET_TIMEOUT", default=60 * 60 * 24)

# --- API --------------------------------------------------------------------------------------
# Deeper JSON bodies are a 400: no endpoint takes more than a few levels, and Python's decoder
# recurses once per level (articles/validation.py, articles/api/parsers.py).
RECSITE_JSON_MAX_DEPTH = env.int("RECSITE_JSON_MAX_DEPTH", default=32)
# Interactions one API request may post in a batch.
RECSITE_INTERACTION_BATCH_LIMIT = 1000

REST_FRAMEWORK = {
    # Token first: an anonymous API request then gets 401 with `WWW-Authenticate: Token` (the
    # first class decides the challenge) instead of a bare 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "recsite.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # Bad input is a 400 by construction: JSON bodies are bounded in depth and refuse control
    # characters (articles/api/parsers.py); forms keep DRF's own parsers.
    "DEFAULT_PARSER_CLASSES": [
        "articles.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Validated page and page_size (a bad one is a 400), documented bounds.
    "DEFAULT_PAGINATION_CLASS": "articles.api.pagination.Pagination",
    "PAGE_SIZE": 20,
    # Documented error statuses (recsite.api_schema) plus the Idempotency-Key header.
    "DEFAULT_SCHEMA_CLASS": "recsite.idempotency.schema.AutoSchema",
    # Throttles use the default cache, so they are shared across processes through Redis
    # whenever REDIS_URL is set. Per signed-in user, else per client address (see
    # RECSITE_TRUSTED_PROXIES); "auth" is always per address. Defaults leave room for a busy
    # reader and stop a script.
    "DEFAULT_THROTTLE_RATES": {
        "writes": env("RECSITE_WRITE_THROTTLE", default="600/minute"),
        # password checks (site, admin and token logins, sign-ups) from one address
        "auth": env("RECSITE_AUTH_THROTTLE", default="20/minute"),
        # searches on the site and the API (?q=): each is a full-text query and a stored row
        "search": env("RECSITE_SEARCH_THROTTLE", default="30/minute"),
        # POST /api/recommend/: each one occupies the inference worker
        "recommend": env("RECSITE_RECOMMEND_THROTTLE", default="10/minute"),
        # behaviour recorded by page loads (article views, recommended cards shown); beyond it
        # the page is still served, only not recorded
        "views": env("RECSITE_VIEW_THROTTLE", default="120/minute"),
    },
    # Same number as RECSITE_TRUSTED_PROXIES, for any DRF throttle that uses DRF's own get_ident.
    "NUM_PROXIES": RECSITE_TRUSTED_PROXIES,
    "EXCEPTION_HANDLER": "recsite.api_errors.exception_handler",
    # Batch errors keyed by item index ({"3": {"article": [...]}}), not a list padded with {}.
    "LIST_SERIALIZER_ERRORS_AS_DICT": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "recsite API",
    "DESCRIPTION": (
        "Articles, reader behaviour and explained recommendations. Authenticate with a token "
        "from POST /api/auth/token/ (header `Authorization: Token <key>`) or a browser session. "
        "No string in a request body may hold a control character other than tab, newline and "
        "carriage return (NUL included), nor an unpaired surrogate, and no query parameter a NUL: "
        "such a request is a 400 naming the field. JSON bodies nest at most "
        f"{RECSITE_JSON_MAX_DEPTH} levels deep."
    ),
    "VERSION": "1.0.0",
    # Request bodies are documented as JSON, the API's format; form encodings (accepted for the
    # browsable API) cannot tell null from "" nor carry a batch, so the schema leaves them out.
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from drf-spectacular-sidecar's static files, so /api/docs/ works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "status"; name their enums so the schema has no naming collisions.
    "ENUM_NAME_OVERRIDES": {
        "ArticleStatusEnum": "articles.models.Article.Status",
        "HealthStatusEnum": "recsite.api_views.HEALTH_STATUSES",
    },
}

# Idempotency-Key on authenticated API POSTs (recsite.idempotency): how long a key is replayed
# (and kept: a daily beat task purges older ones), and how long a retry waits for a first
# request with the same key that is still running (PostgreSQL) before it gets 409.
RECSITE_IDEMPOTENCY_KEY_TTL_HOURS = env.int("RECSITE_IDEMPOTENCY_KEY_TTL_HOURS", default=24)
RECSITE_IDEMPOTENCY_WAIT_SECONDS = env.float("RECSITE_IDEMPOTENCY_WAIT_SECONDS", default=10.0)

# --- Celery -----------------------------------------------------------------------------------
# Without Redis the tasks run eagerly in the calling process (the embedded default).
# memory://localhost/ rather than memory://: kombu warns about a missing host otherwise.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = "default"
# Every task not named here runs on "default". "ml": trainings, and whatever loads the text
# encoder (embeddings of articles and searches, readers' key phrases). "inference": the answers
# that a web request waits for (POST /api/recommend/), so no training can hold them up.
CELERY_TASK_ROUTES = {
    "recommender.retrain": {"queue": "ml"},
    "recommender.train_lm": {"queue": "ml"},
    "recommender.embed_articles": {"queue": "ml"},
    "recommender.embed_searches": {"queue": "ml"},
    "recommender.mine_reader_phrases": {"queue": "ml"},
    "recommender.lm_recommend": {"queue": "inference"},
    "recommender.request_recommend": {"queue": "inference"},
}
# Periodic tasks are declared in recsite/schedules.py and stored in the database, where editors
# change or pause them in the admin.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
# Reliability: a task is acknowledged only after it finished, so a killed worker's task is
# redelivered; tasks are idempotent (recommender/tasks.py) so a redelivery is safe.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_RESULT_EXPIRES = timedelta(hours=1)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request that dispatches a task must not hang on a dead broker: a publisher tries to
# connect twice, at once, then gives up (recommender.receivers logs it; the periodic refresh
# catches up). Workers' own connections keep Celery's patient retries.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2 * 60 * 60,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
}
# POST /api/recommend/ waits on the Redis result backend: when Redis is down, give up after about
# a second instead of Celery's default 20 reconnection attempts (~20 s) per request.
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {
        "max_retries": 2,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    }
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2

# --- observability ----------------------------------------------------------------------------
# RECSITE_LOG_FORMAT=json: one JSON object per line (unhandled errors with the request path and
# the traceback). SENTRY_DSN set: unhandled errors of requests and tasks also go to the tracker
# (recsite.observability: no personal data is sent).
LOGGING = logging_config(
    log_format=env("RECSITE_LOG_FORMAT", default="plain"),
    level=env("DJANGO_LOG_LEVEL", default="INFO"),
)
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    sentry_init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        release=env("SENTRY_RELEASE", default=None),
        traces_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# --- the platform's own settings: models, serving, explanations, privacy, the outbox ---------
from .features import *  # noqa: E402, F403
