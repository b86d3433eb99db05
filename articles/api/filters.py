"""Query-string filters of the articles API (django-filter). A malformed value is a 400 with the
parameter's message, never a 500."""

import django_filters

from .. import selectors
from ..models import Article, Interaction


class ArticleFilter(django_filters.FilterSet):
    topic = django_filters.CharFilter(field_name="topics__slug", help_text="A topic slug.")
    # Readers' querysets hold published articles only, so other statuses match nothing for them.
    status = django_filters.ChoiceFilter(
        choices=Article.Status.choices, help_text="Editors only; readers see published articles."
    )
    published_after = django_filters.IsoDateTimeFilter(
        field_name="published_at", lookup_expr="gte", help_text="ISO 8601, inclusive."
    )
    published_before = django_filters.IsoDateTimeFilter(
        field_name="published_at", lookup_expr="lte", help_text="ISO 8601, inclusive."
    )
    q = django_filters.CharFilter(
        method="search", max_length=500, help_text="Words in title, summary or body."
    )

    class Meta:
        model = Article
        fields = ["topic", "status", "published_after", "published_before", "q"]

    def search(self, queryset, name, value):
        return selectors.articles_search(text=value, base=queryset)


class InteractionFilter(django_filters.FilterSet):
    event = django_filters.ChoiceFilter(choices=Interaction.Event.choices)

    class Meta:
        model = Interaction
        fields = ["event"]
