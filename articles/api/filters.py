"""Query-string filters of the articles API (django-filter). A malformed value is a 400 with the
parameter's message, never a 500."""

from datetime import UTC

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django_filters.fields import IsoDateTimeField

from ..models import Article, Interaction
from ..search import search_articles


class UtcIsoDateTimeField(IsoDateTimeField):
    """ISO 8601 converted to UTC: ISO allows offsets PostgreSQL does not (up to ±23:59), which
    would otherwise reach the query and fail there."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError:  # e.g. year 1 with a positive offset is before year 1 in UTC
            raise ValidationError(
                gettext("Out of the supported date range."), code="invalid"
            ) from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class ArticleFilter(django_filters.FilterSet):
    topic = django_filters.CharFilter(field_name="topics__slug", help_text="A topic slug.")
    # Readers' querysets hold published articles only, so other statuses match nothing for them.
    status = django_filters.ChoiceFilter(
        choices=Article.Status.choices, help_text="Editors only; readers see published articles."
    )
    published_after = UtcIsoDateTimeFilter(
        field_name="published_at", lookup_expr="gte", help_text="ISO 8601, inclusive."
    )
    published_before = UtcIsoDateTimeFilter(
        field_name="published_at", lookup_expr="lte", help_text="ISO 8601, inclusive."
    )
    q = django_filters.CharFilter(
        method="search",
        max_length=500,
        help_text="Words in title, summary or body; best matches first (title over summary).",
    )

    class Meta:
        model = Article
        fields = ["topic", "status", "published_after", "published_before", "q"]

    def search(self, queryset, name, value):
        return search_articles(value, base=queryset)


class InteractionFilter(django_filters.FilterSet):
    event = django_filters.ChoiceFilter(choices=Interaction.Event.choices)

    class Meta:
        model = Interaction
        fields = ["event"]
