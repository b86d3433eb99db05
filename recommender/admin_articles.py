"""Per-article reader figures in the article admin: views and reads (articles' own rows), and
how its recommendations fare: cards shown and opened, thumbs on its explanations.

``articles`` never imports the recommender, so its ArticleAdmin is extended here, by the app
that owns impressions and feedback, and registered in its place. Every figure is a correlated
subquery annotated on the list's one query: no query per row, and no join that would multiply
the counts of one another."""

from typing import Any

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.admin import ArticleAdmin
from articles.models import Article, Interaction

from .models import ExplanationFeedback, RecommendationImpression


def _count_per_article(rows: QuerySet[Any], article_field: str) -> Coalesce:
    per_article = (
        rows.filter(**{article_field: OuterRef("pk")})
        .order_by()
        .values(article_field)
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(per_article, output_field=IntegerField()), 0)


FIGURES = {
    "view_count": (Interaction.objects.filter(event=Interaction.Event.VIEW), "article"),
    "read_count": (Interaction.objects.filter(event=Interaction.Event.READ), "article"),
    "shown_count": (RecommendationImpression.objects.all(), "article"),
    "clicked_count": (
        RecommendationImpression.objects.filter(clicked_at__isnull=False),
        "article",
    ),
    "up_count": (ExplanationFeedback.objects.filter(vote=1), "explanation__article"),
    "down_count": (ExplanationFeedback.objects.filter(vote=-1), "explanation__article"),
}


class ArticleWithFiguresAdmin(ArticleAdmin):
    def get_list_display(self, request: HttpRequest) -> list[Any]:
        return [*super().get_list_display(request), "views", "reads", "click_through", "thumbs"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*super().get_readonly_fields(request, obj), "reader_figures"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        figures = (gettext_lazy("Reader figures"), {"fields": ("reader_figures",)})
        return [*super().get_fieldsets(request, obj), figures]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        figures = {name: _count_per_article(rows, field) for name, (rows, field) in FIGURES.items()}
        return super().get_queryset(request).annotate(**figures)

    @admin.display(description=gettext_lazy("views"), ordering="view_count")
    def views(self, article: Any) -> int:
        return article.view_count

    @admin.display(description=gettext_lazy("reads"), ordering="read_count")
    def reads(self, article: Any) -> int:
        return article.read_count

    @admin.display(description=gettext_lazy("click-through"), ordering="clicked_count")
    def click_through(self, article: Any) -> str:
        return _click_through(article)

    @admin.display(description=gettext_lazy("thumbs up / down"), ordering="up_count")
    def thumbs(self, article: Any) -> str:
        return f"{article.up_count} / {article.down_count}"

    @admin.display(description=gettext_lazy("figures"))
    def reader_figures(self, article: Any) -> SafeString:
        if article.pk is None:  # an article being added has no readers yet
            return format_html("{}", "–")
        rows = [
            (_("Views"), article.view_count),
            (_("Reads"), article.read_count),
            (_("Recommended (cards shown)"), article.shown_count),
            (_("Click-through"), _click_through(article)),
            (_("Thumbs up on its explanations"), article.up_count),
            (_("Thumbs down on its explanations"), article.down_count),
        ]
        return format_html(
            "<table class='recorded'><tbody>{}</tbody></table>",
            format_html_join("", "<tr><th scope='row'>{}</th><td>{}</td></tr>", rows),
        )


def _click_through(article: Any) -> str:
    shown, clicked = article.shown_count, article.clicked_count
    if not shown:
        return "–"
    return _("%(clicked)s of %(shown)s (%(share).0f%%)") % {
        "clicked": clicked,
        "shown": shown,
        "share": 100 * clicked / shown,
    }


admin.site.unregister(Article)
admin.site.register(Article, ArticleWithFiguresAdmin)
