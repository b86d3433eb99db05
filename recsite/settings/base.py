"""Settings shared by every environment, read from environment variables.

With nothing set, the site runs on the embedded defaults of DESIGN.md §1: a SQLite file under
``var/``, a local-memory cache, and Celery tasks executed eagerly in-process. Setting
``DATABASE_URL`` and ``REDIS_URL`` switches to PostgreSQL, Redis caching and a real Celery broker.
"""

from datetime import timedelta
from pathlib import Path

import environ

from recommender.ml.events import EVENT_WEIGHTS_DEFAULT
from recsite.observability import logging_config, sentry_init

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# Development-only default; production.py requires DJANGO_SECRET_KEY and has no default.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-key-recsite-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
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
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# The embedded default serves static files straight from the apps (no collectstatic step);
# production.py collects them and serves the compressed, hashed copies instead.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Bounded request bodies: a 1,000-interaction batch is well under 1 MiB.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)

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
    "NUM_PROXIES": env.int("RECSITE_TRUSTED_PROXIES", default=0),
    "EXCEPTION_HANDLER": "recsite.api_errors.exception_handler",
    # Batch errors keyed by item index ({"3": {"article": [...]}}), not a list padded with {}.
    "LIST_SERIALIZER_ERRORS_AS_DICT": True,
}

# --- input validation (articles/validation.py, articles/api/parsers.py) ---
# Deeper JSON bodies are a 400: no endpoint takes more than a few levels, and Python's decoder
# recurses once per level.
RECSITE_JSON_MAX_DEPTH = env.int("RECSITE_JSON_MAX_DEPTH", default=32)

SPECTACULAR_SETTINGS = {
    "TITLE": "recsite API",
    "DESCRIPTION": (
        "Articles, reader behaviour and explained recommendations. Authenticate with a token "
        "from POST /api/auth/token/ (header `Authorization: Token <key>`) or a browser session. "
        "No string in a request body may hold a control character other than tab, newline and "
        "carriage return (NUL included), nor an unpaired surrogate: such a body is a 400 naming "
        f"the field. JSON bodies nest at most {RECSITE_JSON_MAX_DEPTH} levels deep."
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

# --- Celery ---------------------------------------------------------------------------------
# Without Redis the tasks run eagerly in the calling process (the embedded default).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "recommender.retrain": {"queue": "ml"},
    "recommender.embed_articles": {"queue": "ml"},
    "recommender.lm_recommend": {"queue": "inference"},
}
# Reliability: a task is acknowledged only after it finished, so a killed worker's task is
# redelivered; tasks are idempotent (DESIGN §7) so a redelivery is safe.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, float] = {"visibility_timeout": 2 * 60 * 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_EXPIRES = timedelta(hours=1)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# --- recsite --------------------------------------------------------------------------------
RECSITE_ARTIFACT_DIR = Path(env("RECSITE_ARTIFACT_DIR", default=str(VAR_DIR / "artifacts")))
RECSITE_TEXT_ENCODER = env("RECSITE_TEXT_ENCODER", default="")
RECSITE_LM_BASE = env("RECSITE_LM_BASE", default="")
RECSITE_DEMO_PASSWORD = env("RECSITE_DEMO_PASSWORD", default="recsite-demo-pass")

# Training weight of each behaviour event (recommender/ml/events.py says what they mean).
RECSITE_EVENT_WEIGHTS = dict(EVENT_WEIGHTS_DEFAULT)
RECSITE_TRENDING_DAYS = env.int("RECSITE_TRENDING_DAYS", default=7)
RECSITE_INTERACTION_BATCH_LIMIT = 1000

# --- errors and logs (issue 10) -------------------------------------------------------------
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

# --- recommender pipeline (issue 3: model registry, retraining, cached lists) ----------------
# Hyper-parameters of the served MF model (recommender.ml.mf.ImplicitALS keyword arguments).
# 128 factors: on citeulike-a, 64 give NDCG@10 0.15, 128 give 0.20 and 256 give 0.246 (see
# benchmarks/mf_vs_implicit.py); 256 costs twice the training time and memory.
RECSITE_MF_PARAMS = {
    "factors": env.int("RECSITE_MF_FACTORS", default=128),
    "regularization": 0.01,
    "alpha": 40.0,
    "iterations": env.int("RECSITE_MF_ITERATIONS", default=15),
}
# Repeated events on one article add up to at most this weight (training and fold-in alike).
RECSITE_WEIGHT_CAP = 10.0
# The seed of the warm validation split, so successive versions are measured the same way.
RECSITE_VALIDATION_SEED = 0
# A new version activates itself only if its validation NDCG@10 is at most this much (absolute)
# below the active version's; otherwise it waits as "ready" for an editor to decide.
RECSITE_ACTIVATION_TOLERANCE = env.float("RECSITE_ACTIVATION_TOLERANCE", default=0.02)
# The hybrid trained after each MF version activates only if its validation NDCG@10 exceeds
# that MF version's on the same split by more than this (recommender.services.hybrid_training).
RECSITE_HYBRID_MIN_GAIN = env.float("RECSITE_HYBRID_MIN_GAIN", default=0.0)
# Versions whose artifacts are kept on disk (per kind; the active one is always kept).
RECSITE_KEEP_VERSIONS = env.int("RECSITE_KEEP_VERSIONS", default=5)
# The retrain lock's timeout; its holder renews it every third of that while it trains, so a
# killed worker's lock expires within this many seconds (recommender.services.locks).
RECSITE_RETRAIN_LOCK_SECONDS = env.int("RECSITE_RETRAIN_LOCK_SECONDS", default=60)
# A reader's cached list: how many candidates it holds and how long it lives without a refresh.
RECSITE_LIST_LENGTH = 200
RECSITE_LIST_TTL_SECONDS = env.int("RECSITE_LIST_TTL_SECONDS", default=2 * 60 * 60)
# "Active" readers, whose lists the hourly refresh keeps warm, and the refresh batch size.
RECSITE_ACTIVE_USER_DAYS = env.int("RECSITE_ACTIVE_USER_DAYS", default=30)
RECSITE_REFRESH_BATCH_SIZE = 500

# --- hardening (issue 6) --------------------------------------------------------------------
# A dead Redis must degrade the site, not break it: cache reads miss and writes are dropped, each
# failure logged by django_redis. The readiness check still reports the cache as down, because
# what it writes cannot be read back.
DJANGO_REDIS_IGNORE_EXCEPTIONS = True
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
# --- trusted proxies and login defence (issue 10, security) ------------------------------------
# How many reverse proxies (TLS terminator, load balancer) stand in front of the web processes:
# the client address is taken from X-Forwarded-For that many hops from the right, else it is
# REMOTE_ADDR. 0 (the default) when clients connect directly; 1 behind one proxy that appends to
# X-Forwarded-For (docker-compose's). Too high a number lets clients pick their own address.
RECSITE_TRUSTED_PROXIES = REST_FRAMEWORK["NUM_PROXIES"]
# Password guessing (site, admin and token endpoint alike; counted in the cache): every address
# has the "auth" rate above; and after this many failed logins for one account within the
# window, that account's logins wait 1 s, 2 s, 4 s ... up to RECSITE_LOGIN_BACKOFF_MAX_SECONDS
# after each further failure (429 + Retry-After), except from an address that has logged in to
# that account before (for RECSITE_LOGIN_KNOWN_ADDRESS_DAYS).
AUTHENTICATION_BACKENDS = ["recsite.login_throttle.ThrottledModelBackend"]
RECSITE_LOGIN_FAILURE_LIMIT = env.int("RECSITE_LOGIN_FAILURE_LIMIT", default=5)
RECSITE_LOGIN_FAILURE_WINDOW_SECONDS = env.int("RECSITE_LOGIN_FAILURE_WINDOW_SECONDS", default=900)
RECSITE_LOGIN_BACKOFF_MAX_SECONDS = env.int("RECSITE_LOGIN_BACKOFF_MAX_SECONDS", default=60)
RECSITE_LOGIN_KNOWN_ADDRESS_DAYS = env.int("RECSITE_LOGIN_KNOWN_ADDRESS_DAYS", default=30)
# Privacy (issue 10): raw events older than these many days are deleted by a daily periodic
# task (articles.purge_expired_personal_data, walking articles.privacy): "view" interactions
# (stronger signals such as reads and likes are the history readers expect to keep), searches,
# and recommendation impressions (the dashboard's click-through rates look back far less).
RECSITE_VIEW_RETENTION_DAYS = env.int("RECSITE_VIEW_RETENTION_DAYS", default=365)
RECSITE_SEARCH_RETENTION_DAYS = env.int("RECSITE_SEARCH_RETENTION_DAYS", default=365)
RECSITE_IMPRESSION_RETENTION_DAYS = env.int("RECSITE_IMPRESSION_RETENTION_DAYS", default=180)
# A web request that dispatches a task must not hang on a dead broker: a publisher tries to
# connect twice, at once, then gives up (recommender.receivers logs it; the periodic refresh
# catches up). Workers' own connections keep Celery's patient retries.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
}
# Test knob only: seconds each retraining stage sleeps, so a test can kill a worker mid-way.
RECSITE_RETRAIN_STAGE_PAUSE_SECONDS = env.float("RECSITE_RETRAIN_STAGE_PAUSE_SECONDS", default=0)

# --- explanations and feedback (issue 5) ------------------------------------------------------
# The explanation-style bandit keeps separate thumbs counts for new and regular readers (fewer /
# at least 5 articles in their history): what convinces a newcomer may not convince a regular.
RECSITE_BANDIT_PER_SEGMENT = env.bool("RECSITE_BANDIT_PER_SEGMENT", default=True)

# --- text encoder and content recommendations (issue 4) --------------------------------------
# Torch threads of the text encoder in workers and commands (0: torch's default, all cores).
RECSITE_ENCODER_THREADS = env.int("RECSITE_ENCODER_THREADS", default=0) or None
# evaluate_offline and benchmarks keep computed embeddings here, keyed by text + encoder hash.
RECSITE_EMBEDDING_CACHE_DIR = Path(
    env("RECSITE_EMBEDDING_CACHE_DIR", default=str(VAR_DIR / "cache" / "embeddings"))
)
# Readers with fewer positive articles than this known to the MF model get the content profile
# (mean embedding of what they read and searched) instead of a fold-in from too little data.
RECSITE_CONTENT_MIN_HISTORY = env.int("RECSITE_CONTENT_MIN_HISTORY", default=3)

# --- diversity re-rank (issue 4, "hybrid") ----------------------------------------------------
# Strength of the topic-diversity re-rank of a reader's list (maximal marginal relevance):
# 0 keeps the model's order, 1 spreads topics regardless of score; at 0.1 another topic's
# article moves up only past articles scoring about as high.
RECSITE_DIVERSITY = env.float("RECSITE_DIVERSITY", default=0.1)
# How many of a reader's recent searches the content profile includes.
RECSITE_CONTENT_SEARCHES = 5
# "More like this": weight of co-reading against text similarity (0 = text only).
RECSITE_SIMILAR_COREAD_WEIGHT = env.float("RECSITE_SIMILAR_COREAD_WEIGHT", default=0.5)
# Embedding a reader's searches loads the encoder: a worker's job, like article embeddings.
CELERY_TASK_ROUTES["recommender.embed_searches"] = {"queue": "ml"}

# --- generative recommendation with the causal LM (issue 4) ----------------------------------
# Training seconds of one LM version (on top come loading the data and validation). The default
# suits a two-core machine; workers with more cores learn more in the same time.
RECSITE_LM_TIME_BUDGET_SECONDS = env.float("RECSITE_LM_TIME_BUDGET_SECONDS", default=300.0)
# recommender.ml.lm.LMRecommender keyword arguments (architecture, batch size, learning rate).
RECSITE_LM_PARAMS: dict = {}
# Readers whose held-out last read measures Recall/NDCG of a new version (generation is slow).
RECSITE_LM_VALIDATION_USERS = env.int("RECSITE_LM_VALIDATION_USERS", default=200)
# Beams of POST /api/recommend/ (never fewer than the top_n asked for).
RECSITE_LM_NUM_BEAMS = env.int("RECSITE_LM_NUM_BEAMS", default=5)
# Torch threads per generation in the inference worker (0: torch's default).
RECSITE_LM_THREADS = env.int("RECSITE_LM_THREADS", default=1) or None
# How long POST /api/recommend/ waits for the inference worker (a generation takes well under a
# second), and the Retry-After it sends with 503 when none answered in time. After such a
# timeout the endpoint answers 503 at once for RECSITE_LM_RETRY_AFTER_SECONDS, so that a dead
# inference worker cannot hold web workers (issue 10).
RECSITE_LM_TIMEOUT_SECONDS = env.float("RECSITE_LM_TIMEOUT_SECONDS", default=2.0)
RECSITE_LM_RETRY_AFTER_SECONDS = env.int("RECSITE_LM_RETRY_AFTER_SECONDS", default=30)
CELERY_TASK_ROUTES["recommender.train_lm"] = {"queue": "ml"}
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
# Mining a reader's key phrases loads the text encoder: a job for the "ml" workers.
CELERY_TASK_ROUTES["recommender.mine_reader_phrases"] = {"queue": "ml"}

# --- accounts and tokens (issue 10, "accounts and tokens with a life") ------------------------
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

# --- Idempotency-Key on authenticated API POSTs (issue 10, recsite.idempotency) --------------
# The middleware replays a retried POST's first response; the schema class (REST_FRAMEWORK)
# documents the header.
MIDDLEWARE += ["recsite.idempotency.middleware.IdempotencyMiddleware"]
# How long a key is replayed (and kept: a daily beat task purges older ones).
RECSITE_IDEMPOTENCY_KEY_TTL_HOURS = env.int("RECSITE_IDEMPOTENCY_KEY_TTL_HOURS", default=24)
# How long a retry waits for a first request with the same key that is still running
# (PostgreSQL) before it gets 409.
RECSITE_IDEMPOTENCY_WAIT_SECONDS = env.float("RECSITE_IDEMPOTENCY_WAIT_SECONDS", default=10.0)

# --- durable background work: the transactional outbox (issue 10) ----------------------------
# Work a write requests (list refreshes, embeddings, key phrases, retraining) and cache deletes
# that could not reach Redis are stored with the write (recommender.services.outbox) and relayed
# to Celery: at once after the commit, else by the relay_outbox periodic task (every minute) or
# `manage.py relay_outbox`. Messages relayed per batch (one transaction each):
RECSITE_OUTBOX_BATCH_SIZE = env.int("RECSITE_OUTBOX_BATCH_SIZE", default=200)
# Batches one run of the periodic relay delivers at most (the next minute's run does the rest).
RECSITE_OUTBOX_MAX_BATCHES = env.int("RECSITE_OUTBOX_MAX_BATCHES", default=50)
# After a failed publish a web process leaves new messages to the relay for this many seconds, so
# a burst of writes during an outage does not pay one connection attempt each.
RECSITE_OUTBOX_PAUSE_SECONDS = env.float("RECSITE_OUTBOX_PAUSE_SECONDS", default=5.0)
# Sent messages are kept this long (visible in the admin), then purged by the periodic relay.
RECSITE_OUTBOX_KEEP_SENT_HOURS = env.int("RECSITE_OUTBOX_KEEP_SENT_HOURS", default=24)
