"""API shapes of recommendations and model versions. Results are plain dicts from the cache, so
these serializers only validate queries and describe responses (and the OpenAPI schema)."""

from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from articles.api.fields import QueryIntegerField
from articles.validation import ids_parse

from ..cache import lists
from ..models import ModelVersion
from ..ranking.serving import COLD_START, CONTENT, NON_PERSONAL, PERSONALIZED
from .explanations import CachedExplanationField

MAX_EXCLUDE = 500
BAD_EXCLUDE = gettext_lazy("Expected a comma-separated list of article ids, e.g. 12,40.")


class RecommendationQuerySerializer(serializers.Serializer):
    n = QueryIntegerField(min_value=1, max_value=100, default=10)
    offset = QueryIntegerField(min_value=0, max_value=10_000, default=0)
    topic = serializers.SlugField(
        required=False, help_text="Only articles of the topic with this slug."
    )
    # The pattern is stated in the schema (a str.isdigit() test alone also passed "²").
    exclude = serializers.RegexField(
        r"^[0-9, ]*$",
        required=False,
        allow_blank=True,
        error_messages={"invalid": BAD_EXCLUDE},
        help_text="Comma-separated article ids never to return, e.g. those already on screen.",
    )

    def validate_topic(self, value: str) -> str:
        if value not in lists.topic_slugs():
            raise serializers.ValidationError(
                gettext("No topic with slug %(slug)r.") % {"slug": value}
            )
        return value

    def validate_exclude(self, value: str) -> list[int]:
        return ids_parse(value, limit=MAX_EXCLUDE)


class TopicBriefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class RecommendedArticleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    slug = serializers.SlugField()
    summary = serializers.CharField()
    topics = TopicBriefSerializer(many=True)
    published_at = serializers.DateTimeField(allow_null=True)
    url = serializers.CharField(help_text="The article's page on the site.")


@extend_schema_field(RecommendedArticleSerializer)
class CachedArticleField(serializers.Field):
    """An article as lists.article_dict() cached it: already in the response's shape, so it is
    passed through. Serializing it field by field again took a third of a cache hit's CPU time
    (benchmarks/serving.py); RecommendedArticleSerializer still describes it in the schema."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: dict) -> dict:
        return value


class RecommendedItemSerializer(serializers.Serializer):
    article = CachedArticleField()
    score = serializers.FloatField(
        help_text="Ranking score: the model's for personalized lists, falling with the rank "
        "in (0, 1] for cold start."
    )
    explanation = CachedExplanationField(
        help_text="Why this article is recommended (null only if nothing true can be said)."
    )
    arm = serializers.CharField(
        source="arm.label",
        allow_null=True,
        default=None,
        help_text="While you are in an online experiment, the label of the arm that put this "
        "article in your list (with interleaving, the ranker that contributed this position); "
        "null otherwise, and for editors' pins.",
    )


class RankerSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ModelVersion.Kind.choices)
    version = serializers.IntegerField(
        allow_null=True, help_text="null for a content list ranked before any embedding snapshot."
    )


class RecommendationsSerializer(serializers.Serializer):
    model_version = serializers.IntegerField(
        source="model_version_id",
        allow_null=True,
        help_text="The MF version the list and its explanations were computed against (the "
        "explanations cite its evidence); null when no model ranked the list (cold start, "
        "non-personal, content).",
    )
    ranker = RankerSerializer(
        allow_null=True,
        help_text="The model version that actually ranked the list: `hybrid` when the hybrid "
        "ranker did, `mf` when MF ranked alone, `encoder` (the text embeddings) for `content` "
        "lists; null when no model did (cold start, non-personal).",
    )
    strategy = serializers.ChoiceField(
        choices=[PERSONALIZED, CONTENT, COLD_START, NON_PERSONAL],
        help_text="`personalized`: the MF model (new articles through their text); `content`: "
        "text similarity to what a reader with little history read and searched; `cold_start`: "
        "trending and new articles; `non_personal`: trending and new articles for a reader who "
        "turned personalisation off (PATCH /api/me/).",
    )
    experiment = serializers.IntegerField(
        source="experiment_id",
        allow_null=True,
        help_text="The id of the online experiment you are in on this list, null when none.",
    )
    results = RecommendedItemSerializer(source="items", many=True)


class ModelVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "kind",
            "status",
            "params",
            "metrics",
            "data_counts",
            "train_seconds",
            "created_at",
            "activated_at",
            "error",
            "activation_note",
            "previous_active",
        ]
        read_only_fields = fields


class RollbackSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ModelVersion.Kind.choices, default=ModelVersion.Kind.MF)


class RetrainStatusSerializer(serializers.Serializer):
    task_id = serializers.CharField()
    state = serializers.ChoiceField(
        choices=["queued", "running", "finished"],
        help_text="`finished` once the retraining ran, whatever its outcome (see `version`).",
    )
    detail = serializers.CharField()
    status_url = serializers.CharField(help_text="GET it to follow the retraining.")
    version = ModelVersionSerializer(
        allow_null=True, help_text="The MF version a finished retraining trained."
    )


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()
