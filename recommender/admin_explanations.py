"""Explanations for editors: what readers were told and what they thought of it, the style
bandit's state, and a dashboard of charts (recommender.dashboard). Everything is read-only:
these rows are made by the site and by readers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.admin import ReadOnlyAdmin as BehaviourAdmin
from articles.models import Article, Topic

from . import dashboard
from .explaining.styles import bandit_state
from .models import (
    EvidencePenalty,
    Explanation,
    ExplanationFeedback,
    HiddenInterest,
    RecommendationImpression,
)

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise
    from django_stubs_ext import WithAnnotations


class Votes(TypedDict):
    """What ExplanationAdmin.get_queryset annotates each explanation with."""

    up_count: int
    down_count: int


# Shown and read-only alike: the admin never edits what a reader was shown or said.
FEEDBACK_FIELDS = ("user", "vote", "reason", "comment", "created_at")
EXPLANATION_FIELDS = ("user", "article", "model_version", "style", "text", "evidence", "created_at")


class ReadOnlyAdmin(BehaviourAdmin):
    """Articles' read-only admin, except that nobody deletes these rows here, not even a
    superuser: they record what the site did (what a reader was shown, work it queued)."""

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class FeedbackInline(admin.TabularInline):
    model = ExplanationFeedback
    fields = readonly_fields = FEEDBACK_FIELDS
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class VoteFilter(admin.SimpleListFilter):
    title = gettext_lazy("vote")
    parameter_name = "vote"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Explanation]
    ) -> list[tuple[str, str]]:
        return [("up", _("Thumbs up")), ("down", _("Thumbs down")), ("none", _("No vote"))]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Explanation]
    ) -> QuerySet[Explanation] | None:
        if self.value() == "up":
            return queryset.filter(feedback__vote=1).distinct()
        if self.value() == "down":
            return queryset.filter(feedback__vote=-1).distinct()
        if self.value() == "none":
            return queryset.filter(feedback__isnull=True)
        return queryset


class ReasonFilter(admin.SimpleListFilter):
    title = gettext_lazy("reason")
    parameter_name = "reason"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Explanation]
    ) -> list[tuple[str, _StrPromise]]:
        return ExplanationFeedback.Reason.choices

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Explanation]
    ) -> QuerySet[Explanation] | None:
        if self.value():
            return queryset.filter(feedback__reason=self.value()).distinct()
        return queryset


@admin.register(Explanation)
class ExplanationAdmin(ReadOnlyAdmin):
    list_display = [
        "text",
        "style",
        "user",
        "article",
        "model_version",
        "ups",
        "downs",
        "created_at",
    ]
    list_filter = ["style", VoteFilter, ReasonFilter, "created_at"]
    search_fields = ["text", "user__username", "article__title"]
    list_select_related = ["user", "article", "model_version"]
    fields = readonly_fields = EXPLANATION_FIELDS
    inlines = [FeedbackInline]
    date_hierarchy = "created_at"
    change_list_template = "admin/recommender/explanation/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Explanation]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                up_count=Count("feedback", filter=Q(feedback__vote=1)),
                down_count=Count("feedback", filter=Q(feedback__vote=-1)),
            )
        )

    @admin.display(description=gettext_lazy("thumbs up"), ordering="up_count")
    def ups(self, explanation: WithAnnotations[Explanation, Votes]) -> int:
        return explanation.up_count

    @admin.display(description=gettext_lazy("thumbs down"), ordering="down_count")
    def downs(self, explanation: WithAnnotations[Explanation, Votes]) -> int:
        return explanation.down_count

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {"approval": approval_rows(), **(extra_context or {})}
        return super().changelist_view(request, extra_context=context)

    def get_urls(self) -> list[URLPattern]:
        dashboard_view = self.admin_site.admin_view(self.dashboard_view)
        return [
            path("dashboard/", dashboard_view, name="recommender_dashboard"),
            *super().get_urls(),
        ]

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Recommendations dashboard"),
            "opts": self.model._meta,
            "charts": dashboard.dashboard_charts(),
            "approval": approval_rows(),
            "experiments": [
                (experiment, dashboard.experiment_results(experiment=experiment))
                for experiment in dashboard.experiments_current()
            ],
        }
        return TemplateResponse(request, "admin/recommender/dashboard.html", context)


def approval_rows() -> list[dict[str, Any]]:
    """Per style, in words: shown, thumbs up and down, the approval with its 95 % interval, and
    what the style chooser (the bandit) expects of it and how likely it is the best style."""
    state = bandit_state()
    rows = []
    for row in dashboard.approval_by_style():
        approval, chooser = row["approval"], state[row["style"]]
        rows.append(
            {
                **row,
                "approval_text": _percent_with_range(approval.value, approval.interval)
                if approval is not None
                else "–",
                "expected_text": _percent_with_range(
                    chooser["mean"], (chooser["low"], chooser["high"])
                ),
                "best_chance_text": f"{chooser['p_best']:.0%}",
            }
        )
    return rows


def _percent_with_range(value: float, interval: tuple[float, float]) -> str:
    return f"{value:.0%} ({interval[0]:.0%}–{interval[1]:.0%})"


@admin.register(ExplanationFeedback)
class ExplanationFeedbackAdmin(ReadOnlyAdmin):
    list_display = ["explanation", "style", "user", "vote", "reason", "comment", "created_at"]
    list_filter = ["explanation__style", "vote", "reason", "created_at"]
    search_fields = ["comment", "user__username", "explanation__text"]
    list_select_related = ["explanation", "user"]
    date_hierarchy = "created_at"

    @admin.display(description=gettext_lazy("style"), ordering="explanation__style")
    def style(self, feedback: ExplanationFeedback) -> str:
        return feedback.explanation.get_style_display()


@admin.register(RecommendationImpression)
class RecommendationImpressionAdmin(ReadOnlyAdmin):
    list_display = ["user", "article", "surface", "position", "created_at", "clicked_at"]
    list_filter = ["surface", "created_at"]
    list_select_related = ["user", "article"]
    date_hierarchy = "created_at"


class EvidencePenaltyChangeList(ChangeList):
    """Names each page's penalised evidence with two queries (articles, topics), not one per
    row."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        labels = evidence_labels([penalty.key for penalty in self.result_list])
        for penalty in self.result_list:
            penalty.evidence_label = labels[penalty.key]


def evidence_labels(keys: list[str]) -> dict[str, str]:
    """Penalty keys (``article:<id>``, ``topic:<topic>``, ``style:<style>``) in words: the
    article's title, the topic's name, the style's name; a key whose object is gone as is."""
    values: dict[str, set[str]] = {"article": set(), "topic": set(), "style": set()}
    for key in keys:
        kind, _sep, value = key.partition(":")
        values.setdefault(kind, set()).add(value)
    article_ids = [int(value) for value in values["article"] if value.isdigit()]
    titles = dict(Article.objects.filter(pk__in=article_ids).values_list("pk", "title"))
    topics = {
        value: name
        for slug, name in Topic.objects.filter(
            Q(slug__in=values["topic"]) | Q(name__in=values["topic"])
        ).values_list("slug", "name")
        for value in (slug, name)
    }
    styles = dict(Explanation.Style.choices)
    labels = {}
    for key in keys:
        kind, _sep, value = key.partition(":")
        if kind == "article" and value.isdigit() and int(value) in titles:
            labels[key] = _("article “%(title)s”") % {"title": titles[int(value)]}
        elif kind == "topic" and value in topics:
            labels[key] = _("topic “%(name)s”") % {"name": topics[value]}
        elif kind == "style" and value in styles:
            labels[key] = _("the style “%(name)s”") % {"name": styles[value]}
        else:
            labels[key] = key
    return labels


@admin.register(EvidencePenalty)
class EvidencePenaltyAdmin(ReadOnlyAdmin):
    list_display = ["user", "evidence", "penalty", "updated_at"]
    search_fields = ["user__username", "key"]
    list_select_related = ["user"]

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return EvidencePenaltyChangeList

    @admin.display(description=gettext_lazy("evidence"), ordering="key")
    def evidence(self, penalty: EvidencePenalty) -> str:
        # Set on the page's rows by EvidencePenaltyChangeList; a row shown elsewhere by its key.
        return getattr(penalty, "evidence_label", penalty.key)


@admin.register(HiddenInterest)
class HiddenInterestAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "topic", "phrase", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["user", "topic"]
