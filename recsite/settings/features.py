"""What the platform does and how, one section per concern: models and training, serving and
ranking, generative recommendations, explanations, privacy and retention, the outbox. Imported
at the end of base.py; read from environment variables like the rest.
"""

from pathlib import Path

from recommender.ml.events import EVENT_WEIGHTS_DEFAULT

from .environment import VAR_DIR, env

# --- models and training --------------------------------------------------------------------
# Versioned model files (a shared volume in production).
RECSITE_ARTIFACT_DIR = Path(env("RECSITE_ARTIFACT_DIR", default=str(VAR_DIR / "artifacts")))
# The text encoder (empty: the packaged all-MiniLM-L6-v2); its embeddings are also the sequence
# LM's article tokens.
RECSITE_TEXT_ENCODER = env("RECSITE_TEXT_ENCODER", default="")
# Training weight of each behaviour event (recommender/ml/events.py says what they mean).
RECSITE_EVENT_WEIGHTS = dict(EVENT_WEIGHTS_DEFAULT)
# Repeated events on one article add up to at most this weight (training and fold-in alike).
RECSITE_WEIGHT_CAP = 10.0
# Where each retrain's search of MF settings starts, and the MF settings when it is off
# (recommender.ml.mf.ImplicitALS keyword arguments).
# 128 factors: on citeulike-a, 64 give NDCG@10 0.15, 128 give 0.20 and 256 give 0.246 (see
# benchmarks/mf_vs_implicit.py); 256 costs twice the training time and memory.
RECSITE_MF_PARAMS = {
    "factors": env.int("RECSITE_MF_FACTORS", default=128),
    "regularization": 0.01,
    "alpha": 40.0,
    "iterations": env.int("RECSITE_MF_ITERATIONS", default=15),
    # "cuda" trains on a GPU (the worker's torch must be a CUDA build); serving is unchanged.
    "device": env("RECSITE_MF_DEVICE", default="cpu"),
}
# Model selection (recommender.training.search): each retrain tries up to this many MF settings,
# then hybrid settings (pool, features), on validation data carved from its training split,
# starting from RECSITE_MF_PARAMS. Trials are fits, so a search is the same whatever the load;
# no trial starts RECSITE_SEARCH_SECONDS after the MF search began (both searches together).
# 1 turns a search off. The deadline is what bounds a retrain on a loaded machine; the trials
# are what make one reproducible (docs/benchmarks.md, "Model selection").
RECSITE_MF_SEARCH_TRIALS = env.int("RECSITE_MF_SEARCH_TRIALS", default=10)
RECSITE_HYBRID_SEARCH_TRIALS = env.int("RECSITE_HYBRID_SEARCH_TRIALS", default=4)
RECSITE_SEARCH_SECONDS = env.float("RECSITE_SEARCH_SECONDS", default=300.0)
# The seed of the warm validation split, so successive versions are measured the same way.
RECSITE_VALIDATION_SEED = 0
# A new version activates itself only if its validation NDCG@10 is at most this much (absolute)
# below the active version's; otherwise it waits as "ready" for an editor to decide.
RECSITE_ACTIVATION_TOLERANCE = env.float("RECSITE_ACTIVATION_TOLERANCE", default=0.02)
# The hybrid trained after each MF version activates only if its validation NDCG@10 exceeds
# that MF version's on the same split by more than this.
RECSITE_HYBRID_MIN_GAIN = env.float("RECSITE_HYBRID_MIN_GAIN", default=0.0)
# Versions whose artifacts are kept on disk (per kind; the active one is always kept).
RECSITE_KEEP_VERSIONS = env.int("RECSITE_KEEP_VERSIONS", default=5)
# A training lock's timeout; its holder renews it every third of that while it trains, so a
# killed worker's lock expires within this many seconds.
RECSITE_RETRAIN_LOCK_SECONDS = env.int("RECSITE_RETRAIN_LOCK_SECONDS", default=60)
# Training seconds of one LM version (on top come loading the data and validation); training
# stops earlier once RECSITE_LM_PATIENCE epochs passed without a better validation NDCG@10 on
# each reader's held-out last article. The default suits a two-core machine.
RECSITE_LM_TIME_BUDGET_SECONDS = env.float("RECSITE_LM_TIME_BUDGET_SECONDS", default=300.0)
RECSITE_LM_PATIENCE = env.int("RECSITE_LM_PATIENCE", default=5)
# recommender.ml.lm.model.SequenceLM keyword arguments (architecture, history length, dropout,
# learning rate); its defaults were chosen on validation data (docs/benchmarks.md).
RECSITE_LM_PARAMS: dict = {}
# How long a reader's sequence state (the LM's summary of their reading order, computed by the
# worker that refreshes their list) is kept without a refresh.
RECSITE_LM_STATE_TTL_SECONDS = env.int("RECSITE_LM_STATE_TTL_SECONDS", default=30 * 24 * 3600)
# Torch threads of the text encoder in workers and commands (0: torch's default, all cores).
RECSITE_ENCODER_THREADS = env.int("RECSITE_ENCODER_THREADS", default=0) or None
# evaluate_offline and benchmarks keep computed embeddings here, keyed by text + encoder hash.
RECSITE_EMBEDDING_CACHE_DIR = Path(
    env("RECSITE_EMBEDDING_CACHE_DIR", default=str(VAR_DIR / "cache" / "embeddings"))
)

# --- serving and ranking --------------------------------------------------------------------
# A reader's cached list: how many candidates it holds and how long it lives without a refresh.
RECSITE_LIST_LENGTH = 200
RECSITE_LIST_TTL_SECONDS = env.int("RECSITE_LIST_TTL_SECONDS", default=2 * 60 * 60)
# Model versions a web process keeps loaded at once: the active ones and a running experiment's
# arms (memory-mapped; the oldest loaded is dropped beyond this).
RECSITE_LOADED_VERSIONS = env.int("RECSITE_LOADED_VERSIONS", default=3)
# "Active" readers, whose lists the hourly refresh keeps warm, and the refresh batch size.
RECSITE_ACTIVE_USER_DAYS = env.int("RECSITE_ACTIVE_USER_DAYS", default=30)
RECSITE_REFRESH_BATCH_SIZE = 500
# The window of "trending" (the most read articles of these last days).
RECSITE_TRENDING_DAYS = env.int("RECSITE_TRENDING_DAYS", default=7)
# Readers with fewer positive articles than this known to the MF model get the content profile
# (mean embedding of what they read and searched) instead of a fold-in from too little data.
RECSITE_CONTENT_MIN_HISTORY = env.int("RECSITE_CONTENT_MIN_HISTORY", default=3)
# How many of a reader's recent searches the content profile includes.
RECSITE_CONTENT_SEARCHES = 5
# Strength of the topic-diversity re-rank of a reader's list (maximal marginal relevance):
# 0 keeps the model's order, 1 spreads topics regardless of score; at 0.1 another topic's
# article moves up only past articles scoring about as high.
RECSITE_DIVERSITY = env.float("RECSITE_DIVERSITY", default=0.1)
# Catalogues of at least this many articles are served sub-linearly: candidates from
# approximate nearest-neighbour indexes (faiss HNSW) that the worker builds with each MF and
# hybrid version, then exact scoring of the candidates; smaller ones are scored in full.
RECSITE_ANN_MIN_ARTICLES = env.int("RECSITE_ANN_MIN_ARTICLES", default=50_000)
# Articles of a topic the reader follows: their list score, min-max normalised like an editorial
# boost, is multiplied by this. A product choice, not a tuned one (the datasets hold no follows):
# 1.5 lifts an article from the middle of the list past those scoring up to half again as high.
RECSITE_FOLLOW_BOOST = env.float("RECSITE_FOLLOW_BOOST", default=1.5)
# "More like this": weight of co-reading against text similarity (0 = text only).
RECSITE_SIMILAR_COREAD_WEIGHT = env.float("RECSITE_SIMILAR_COREAD_WEIGHT", default=0.5)
# "More like this": bonus for agreeing topics (Jaccard of the two topic sets; 0 = none), so that
# shared title wording does not outrank a shared subject. Chosen on a validation half of the
# demo catalogue's articles by benchmarks/similar_topics.py.
RECSITE_SIMILAR_TOPIC_WEIGHT = env.float("RECSITE_SIMILAR_TOPIC_WEIGHT", default=0.15)

# --- generative recommendations (POST /api/recommend/, the LM on the inference queue) --------
# Torch threads of the sequence LM in workers (training, sequence states; 0: torch's default).
# One is the fastest on a busy two-core machine, where several threads only wait for each other.
RECSITE_LM_THREADS = env.int("RECSITE_LM_THREADS", default=1) or None
# How long the endpoint waits for the inference worker (a generation takes well under a
# second), and the Retry-After it sends with 503 when none answered in time. After such a
# timeout the endpoint answers 503 at once for RECSITE_LM_RETRY_AFTER_SECONDS, so that a dead
# inference worker cannot hold web workers.
RECSITE_LM_TIMEOUT_SECONDS = env.float("RECSITE_LM_TIMEOUT_SECONDS", default=2.0)
RECSITE_LM_RETRY_AFTER_SECONDS = env.int("RECSITE_LM_RETRY_AFTER_SECONDS", default=30)

# --- explanations ---------------------------------------------------------------------------
# The explanation-style bandit keeps separate thumbs counts for new and regular readers (fewer /
# at least 5 articles in their history): what convinces a newcomer may not convince a regular.
RECSITE_BANDIT_PER_SEGMENT = env.bool("RECSITE_BANDIT_PER_SEGMENT", default=True)

# --- privacy and retention ------------------------------------------------------------------
# Raw events older than these many days are deleted by a daily periodic task
# (articles.purge_expired_personal_data, walking articles.privacy): "view" interactions
# (stronger signals such as reads and likes are the history readers expect to keep), searches,
# and recommendation impressions (the dashboard's click-through rates look back far less).
RECSITE_VIEW_RETENTION_DAYS = env.int("RECSITE_VIEW_RETENTION_DAYS", default=365)
RECSITE_SEARCH_RETENTION_DAYS = env.int("RECSITE_SEARCH_RETENTION_DAYS", default=365)
RECSITE_IMPRESSION_RETENTION_DAYS = env.int("RECSITE_IMPRESSION_RETENTION_DAYS", default=180)

# --- reliability: the transactional outbox --------------------------------------------------
# Work a write requests (list refreshes, embeddings, key phrases, retraining) and cache deletes
# that could not reach Redis are stored with the write and relayed to Celery: at once after the
# commit, else by the relay_outbox periodic task (every minute) or `manage.py relay_outbox`.
# Messages relayed per batch (one transaction each):
RECSITE_OUTBOX_BATCH_SIZE = env.int("RECSITE_OUTBOX_BATCH_SIZE", default=200)
# Batches one run of the periodic relay delivers at most (the next minute's run does the rest).
RECSITE_OUTBOX_MAX_BATCHES = env.int("RECSITE_OUTBOX_MAX_BATCHES", default=50)
# After a failed publish a web process leaves new messages to the relay for this many seconds, so
# a burst of writes during an outage does not pay one connection attempt each.
RECSITE_OUTBOX_PAUSE_SECONDS = env.float("RECSITE_OUTBOX_PAUSE_SECONDS", default=5.0)
# Sent messages are kept this long (visible in the admin), then purged by the periodic relay.
RECSITE_OUTBOX_KEEP_SENT_HOURS = env.int("RECSITE_OUTBOX_KEEP_SENT_HOURS", default=24)
# Without a broker, a web process runs requested tasks on one background thread after its
# responses (recommender/background.py); at most this many wait, later ones are dropped with a
# warning (tasks are idempotent, lists are recomputed on demand).
RECSITE_BACKGROUND_QUEUE_SIZE = env.int("RECSITE_BACKGROUND_QUEUE_SIZE", default=1000)

# --- the demo -------------------------------------------------------------------------------
# Password of the accounts `manage.py load_demo` creates.
RECSITE_DEMO_PASSWORD = env("RECSITE_DEMO_PASSWORD", default="recsite-demo-pass")
