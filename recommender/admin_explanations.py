"""Explanations for editors: what readers were told and what they thought of it, the style
bandit's state, and a dashboard of charts (recommender.dashboard). Everything is read-only:
these rows are made by the site and by readers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from articles.admin import ReadOnlyAdmin as BehaviourAdmin

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
    title = "vote"
    parameter_name = "vote"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Explanation]
    ) -> list[tuple[str, str]]:
        return [("up", "Thumbs up"), ("down", "Thumbs down"), ("none", "No vote")]

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
    title = "reason"
    parameter_name = "reason"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Explanation]
    ) -> list[tuple[str, str]]:
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

    @admin.display(description="👍", ordering="up_count")
    def ups(self, explanation: WithAnnotations[Explanation, Votes]) -> int:
        return explanation.up_count

    @admin.display(description="👎", ordering="down_count")
    def downs(self, explanation: WithAnnotations[Explanation, Votes]) -> int:
        return explanation.down_count

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {
            "approval": dashboard.approval_by_style(),
            "bandit": bandit_state(),
            **(extra_context or {}),
        }
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
        # (title, its data as (x, series), the y axis's label, whether y is a rate)
        rows: list[tuple[str, tuple[list[Any], dict[str, list[Any]]], str, bool]] = [
            ("Interactions per day", dashboard.interactions_per_day(), "events", False),
            (
                "Click-through rate of recommended cards",
                dashboard.click_through_per_day(),
                "clicked / shown",
                True,
            ),
            (
                "Thumbs-up rate per explanation style (weekly)",
                dashboard.approval_per_week(),
                "up / votes",
                True,
            ),
            (
                "Offline metrics across model versions",
                dashboard.metrics_across_versions(),
                "metric",
                False,
            ),
        ]
        charts = [
            dashboard.chart_svg(title=title, x=x, series=series, ylabel=ylabel, percent=percent)
            for title, (x, series), ylabel, percent in rows
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Recommendations dashboard",
            "opts": self.model._meta,
            "charts": charts,
            "approval": dashboard.approval_by_style(),
            "bandit": bandit_state(),
            "experiments": [
                (experiment, dashboard.experiment_results(experiment=experiment))
                for experiment in dashboard.experiments_current()
            ],
        }
        return TemplateResponse(request, "admin/recommender/dashboard.html", context)


@admin.register(ExplanationFeedback)
class ExplanationFeedbackAdmin(ReadOnlyAdmin):
    list_display = ["explanation", "style", "user", "vote", "reason", "comment", "created_at"]
    list_filter = ["explanation__style", "vote", "reason", "created_at"]
    search_fields = ["comment", "user__username", "explanation__text"]
    list_select_related = ["explanation", "user"]
    date_hierarchy = "created_at"

    @admin.display(description="style", ordering="explanation__style")
    def style(self, feedback: ExplanationFeedback) -> str:
        return feedback.explanation.get_style_display()


@admin.register(RecommendationImpression)
class RecommendationImpressionAdmin(ReadOnlyAdmin):
    list_display = ["user", "article", "surface", "position", "created_at", "clicked_at"]
    list_filter = ["surface", "created_at"]
    list_select_related = ["user", "article"]
    date_hierarchy = "created_at"


@admin.register(EvidencePenalty)
class EvidencePenaltyAdmin(ReadOnlyAdmin):
    list_display = ["user", "key", "penalty", "updated_at"]
    search_fields = ["user__username", "key"]
    list_select_related = ["user"]


@admin.register(HiddenInterest)
class HiddenInterestAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "topic", "phrase", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["user", "topic"]
