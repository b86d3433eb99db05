"""What the recommender stores about a person, in the registry of articles.privacy: its models
(registered from RecommenderConfig.ready()) and its cache key families. The services build their
keys with these families, so a key cannot exist without being registered here."""

from articles.models import SearchQuery
from articles.privacy import (
    CacheFamily,
    Retention,
    cache_family,
    non_personal_model,
    personal_model,
)

from .ml.text import text_hash
from .models import (
    ArticleEmbedding,
    EditorialBoost,
    EvidencePenalty,
    Experiment,
    ExperimentArm,
    Explanation,
    ExplanationFeedback,
    HiddenInterest,
    ModelVersion,
    PersonalisationSetting,
    RecommendationImpression,
)


def _version_ids() -> list[int]:
    # 0: lists and explanations computed while no model was active.
    return [0, *ModelVersion.objects.values_list("pk", flat=True)]


def _search_keys(user) -> list[str]:
    texts = {
        " ".join(text.split()).lower()
        for text in SearchQuery.objects.filter(user=user).values_list("text", flat=True)
    }
    encoders = ArticleEmbedding.objects.values_list("encoder", flat=True).distinct()
    return [SEARCH.key(digest=text_hash(encoder, text)) for encoder in encoders for text in texts]


# --- personal cache key families -------------------------------------------------------------
LIST: CacheFamily = cache_family(
    "rec:list:{version}:{user}",
    keys_of=lambda user: [LIST.key(version=v, user=user.pk) for v in _version_ids()],
)
PAGES: CacheFamily = cache_family(
    "rec:pages:{user}", keys_of=lambda user: [PAGES.key(user=user.pk)]
)
EXPLANATIONS: CacheFamily = cache_family(
    "rec:expl:{version}:{user}",
    keys_of=lambda user: [EXPLANATIONS.key(version=v, user=user.pk) for v in _version_ids()],
)
PHRASES: CacheFamily = cache_family(
    "rec:phrases:{user}", keys_of=lambda user: [PHRASES.key(user=user.pk)]
)
# A reader's sequence state under an LM version (recommender.runtime.sequences).
SEQUENCE_STATE: CacheFamily = cache_family(
    "rec:seq:{version}:{user}",
    keys_of=lambda user: [SEQUENCE_STATE.key(version=v, user=user.pk) for v in _version_ids()],
)
# A search's embedding, under a digest of the encoder and the text: shared by readers who
# searched the same words, and forgotten with any of them (it is recomputed on demand).
SEARCH = cache_family("rec:search:{digest}", keys_of=_search_keys)

# --- shared cache key families ---------------------------------------------------------------
SHARED = "shared by every reader, computed from no one's behaviour in particular"
ACTIVE = cache_family("rec:active:{kind}", reason=SHARED)
ARTICLE = cache_family("rec:article:{id}", reason="a published article as results show it")
TOPICS = cache_family("rec:topics", reason=SHARED)
COLD_START = cache_family("rec:cold_start", reason="counts over every reader: no one's")
# Until when POST /api/recommend/ answers 503 at once (recommender.api.generative).
LM_UNANSWERED = cache_family(
    "lm-recommend:unanswered-until", reason="when the inference worker last failed to answer"
)
PAGES_GENERATION = cache_family("rec:pages:generation", reason=SHARED)
EMBEDDINGS_STAMP = cache_family("rec:embeddings:stamp", reason=SHARED)
LOCK = cache_family("rec:lock:{name}", reason="a job's lock, holding a random token")
TASK_DONE = cache_family("rec:task-done:{name}", reason="a finished task's result")
BANDIT = cache_family("rec:bandit:counts", reason="counts over every reader: no one's")
BOOSTS = cache_family("rec:editorial_boosts", reason="editors' rules, not a reader's data")
EXPERIMENT = cache_family(
    "rec:experiment:{surface}", reason="the experiment running on a surface: no reader's data"
)


def register_recommender() -> None:
    """The recommender's models (called from RecommenderConfig.ready())."""
    personal_model(
        model=PersonalisationSetting,
        export_as="personalisation",
        order_by=("pk",),
        fields={"enabled": "enabled", "updated_at": "updated_at"},
    )
    personal_model(
        model=Explanation,
        export_as="explanations_shown",
        fields={
            "id": "pk",
            "article_id": "article_id",
            "style": "style",
            "text": "text",
            "evidence": "evidence",
            "model_version_id": "model_version_id",
            "created_at": "created_at",
        },
    )
    personal_model(
        model=ExplanationFeedback,
        export_as="explanation_votes",
        fields={
            "explanation_id": "explanation_id",
            "vote": "vote",
            "reason": "reason",
            "comment": "comment",
            "created_at": "created_at",
            "updated_at": "updated_at",
        },
    )
    personal_model(
        model=EvidencePenalty,
        export_as="evidence_penalties",
        order_by=("key",),
        fields={"key": "key", "penalty": "penalty", "updated_at": "updated_at"},
    )
    personal_model(
        model=HiddenInterest,
        export_as="hidden_interests",
        fields={
            "kind": "kind",
            "topic": "topic__slug",
            "phrase": "phrase",
            "created_at": "created_at",
        },
    )
    personal_model(
        model=RecommendationImpression,
        export_as="impressions",
        fields={
            "article_id": "article_id",
            "explanation_id": "explanation_id",
            "model_version_id": "model_version_id",
            "experiment_id": "experiment_id",
            "arm_id": "arm_id",
            "surface": "surface",
            "position": "position",
            "created_at": "created_at",
            "clicked_at": "clicked_at",
        },
        retention=Retention("RECSITE_IMPRESSION_RETENTION_DAYS"),
    )
    non_personal_model(Experiment, reason="an editor's experiment design; no reader in it")
    non_personal_model(ExperimentArm, reason="an arm of an experiment design; no reader in it")
    non_personal_model(
        EditorialBoost,
        reason="an editor's rule about content; its author link is emptied when the account "
        "is deleted",
    )
