"""Shapes of the articles API. Input serializers only validate; the views hand their data to
articles.services, and output serializers render what the services and selectors return."""

from collections.abc import Mapping

from django.conf import settings
from django.utils.translation import gettext
from rest_framework import serializers
from rest_framework.utils import html

from ..models import Article, Interaction, Topic

# Values must have the JSON type the schema states: DRF would turn a number into a string ("0")
# and read an object's keys as a list of topics. (Form values are strings, and lists are repeated
# keys, so form input is left to the fields.)
JSON_TYPES = {
    serializers.CharField: str,
    serializers.ManyRelatedField: list,
    serializers.BooleanField: bool,
}


# Input serializers reject keys they do not accept instead of silently dropping them, so that a
# misspelled field or one the client may not set (``user``, ``source``) is a 400, not a surprise;
# and JSON values of another type than the field's (see JSON_TYPES).
# (Comments rather than docstrings here: docstrings become the schema's client-facing text.)
class StrictInputSerializer(serializers.Serializer):
    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                message = gettext("Unknown field.")
                raise serializers.ValidationError({name: [message] for name in unknown})
        if isinstance(data, Mapping) and not html.is_html_input(data):
            wrong = {
                name: [f"Expected {expected.__name__}, got {type(data[name]).__name__}."]
                for name, field in self.fields.items()
                for kind, expected in JSON_TYPES.items()
                if isinstance(field, kind)
                and data.get(name) is not None
                and not isinstance(data[name], expected)
            }
            if wrong:
                raise serializers.ValidationError(wrong)
        return super().to_internal_value(data)


class TopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["slug", "name"]


class TopicListSerializer(serializers.ModelSerializer):
    published_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Topic
        fields = ["slug", "name", "description", "published_count"]


class TopicFollowSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    following = serializers.BooleanField()


class ArticleSerializer(serializers.ModelSerializer):
    topics = TopicSerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField(help_text="The article's page on the site.")

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "slug",
            "summary",
            "body",
            "topics",
            "status",
            "published_at",
            "created_at",
            "updated_at",
            "external_id",
            "url",
        ]

    def get_url(self, article) -> str:
        path = article.get_absolute_url()
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


# Uniqueness of slug and external_id is checked by the service's full_clean(), which the API's
# exception handler turns into field messages.
class ArticleInputSerializer(StrictInputSerializer):
    """An article as an editor writes it; topics are given by slug. Unknown keys are rejected."""

    title = serializers.CharField(max_length=500)
    slug = serializers.SlugField(
        max_length=220, required=False, help_text="Derived from the title when omitted."
    )
    summary = serializers.CharField(required=False, allow_blank=True)
    body = serializers.CharField(required=False, allow_blank=True)
    topics = serializers.SlugRelatedField(
        many=True, slug_field="slug", queryset=Topic.objects.all(), required=False
    )
    status = serializers.ChoiceField(choices=Article.Status.choices, required=False)
    published_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Set to now when published without one."
    )
    external_id = serializers.CharField(
        max_length=100, required=False, allow_null=True, allow_blank=False
    )


class PublishedArticleField(serializers.PrimaryKeyRelatedField):
    """The id of a published article. A batch looks all its ids up in one query first (see
    ``InteractionBatchSerializer``) instead of one query per item."""

    default_error_messages = {"does_not_exist": "No published article has id {pk_value}."}

    def __init__(self, **kwargs):
        super().__init__(queryset=Article.objects.filter(status=Article.Status.PUBLISHED), **kwargs)
        self.preloaded: dict[int, Article] = {}

    def to_internal_value(self, data):
        # type() rather than isinstance(): True is an int too, and must stay a type error.
        if type(data) is int and data in self.preloaded:
            return self.preloaded[data]
        return super().to_internal_value(data)


class InteractionBatchSerializer(serializers.ListSerializer):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", settings.RECSITE_INTERACTION_BATCH_LIMIT)
        kwargs.setdefault("allow_empty", False)  # an empty batch is a client bug, not a no-op
        super().__init__(*args, **kwargs)

    def to_internal_value(self, data):
        # An oversized batch is rejected by super() without looking anything up.
        # ListSerializer.__init__ sets max_length and child; the stubs leave both out or optional.
        if isinstance(data, list) and len(data) <= self.max_length:  # type: ignore[attr-defined]
            given = [item.get("article") for item in data if isinstance(item, Mapping)]
            field = self.child.fields["article"]  # type: ignore[union-attr]
            # Other values (strings, lists, ids beyond the column's range, which would overflow
            # the IN query) are left to the field's own per-item lookup and messages.
            field.preloaded = field.get_queryset().in_bulk(
                {pk for pk in given if type(pk) is int and 0 < pk < 2**63}
            )
        return super().to_internal_value(data)


class InteractionInputSerializer(StrictInputSerializer):
    """One behaviour event on a published article; unknown keys (such as ``user``) are rejected."""

    article = PublishedArticleField()
    event = serializers.ChoiceField(choices=Interaction.Event.choices)
    value = serializers.FloatField(
        required=False, allow_null=True, default=None, help_text="Required for a rating."
    )
    dwell_seconds = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=7 * 24 * 3600
    )

    class Meta:
        list_serializer_class = InteractionBatchSerializer

    def validate(self, attrs):
        if attrs["event"] == Interaction.Event.RATING and attrs["value"] is None:
            raise serializers.ValidationError({"value": gettext("A rating needs a value.")})
        return attrs


class InteractionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Interaction
        fields = ["id", "article", "event", "value", "dwell_seconds", "source", "created_at"]
        read_only_fields = fields
