"""The editors' admin: articles and topics are managed here, behaviour is browsed read-only.

Article writes go through ``articles.services`` (never ``obj.save()``), so that an article that
becomes published here is announced to the recommender exactly as one published over the API.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.contrib import admin
from django.db.models import Count, Model, QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Article, Interaction, SearchQuery, Topic

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_stubs_ext import WithAnnotations


class ArticleCount(TypedDict):
    """What TopicAdmin.get_queryset annotates each topic with."""

    article_count: int


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "published_at", "topic_names")
    list_filter = ("status", "topics", "published_at")
    # external_id is an opaque catalogue id, looked up whole rather than by substring.
    search_fields = ("title", "summary", "body", "=external_id")
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("topics",)
    readonly_fields = ("author", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("title", "slug", "summary", "body", "topics")}),
        (_("Publication"), {"fields": ("status", "published_at", "external_id")}),
        (_("History"), {"fields": ("author", "created_at", "updated_at")}),
    )
    actions = ("publish_selected", "archive_selected")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return super().get_queryset(request).prefetch_related("topics")

    @admin.display(description=_("topics"))
    def topic_names(self, article: Article) -> str:
        return ", ".join(topic.name for topic in article.topics.all())

    @admin.action(description=_("Publish selected articles"), permissions=["change"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        self._set_status(request, queryset, Article.Status.PUBLISHED)

    @admin.action(description=_("Archive selected articles"), permissions=["change"])
    def archive_selected(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        self._set_status(request, queryset, Article.Status.ARCHIVED)

    def _set_status(self, request: HttpRequest, queryset: QuerySet[Article], status: str) -> None:
        selected = len(queryset)
        changed = services.articles_set_status(articles=queryset, status=status)
        label = str(Article.Status(status).label).lower()
        message = ngettext(
            "%(count)d article %(status)s.", "%(count)d articles %(status)s.", changed
        ) % {"count": changed, "status": label}
        if changed < selected:
            message += " " + ngettext(
                "%(count)d already was %(status)s.",
                "%(count)d already were %(status)s.",
                selected - changed,
            ) % {"count": selected - changed, "status": label}
        self.message_user(request, message)

    def save_model(
        self, request: HttpRequest, obj: Article, form: ModelForm[Article], change: bool
    ) -> None:
        fields = {name: value for name, value in form.cleaned_data.items() if name != "topics"}
        topics = form.cleaned_data["topics"]
        if change:
            # ``obj`` already carries the edited values; the service needs the stored row to see
            # whether this save publishes the article or changes its text.
            stored = Article.objects.get(pk=obj.pk)
            article = services.article_update(article=stored, topics=topics, **fields)
        else:
            editor = cast("User", request.user)  # the admin's users are signed in
            article = services.article_create(author=editor, topics=topics, **fields)
        # The admin goes on to log and redirect with ``obj``: make it the saved row, including
        # what the service filled in (pk, published_at, author).
        obj.pk = article.pk
        obj.refresh_from_db()

    def save_related(
        self,
        request: HttpRequest,
        form: ModelForm[Article],
        formsets: Iterable[BaseInlineFormSet[Any, Article, Any]],
        change: bool,
    ) -> None:
        # Topics were saved by the service in save_model; only inline formsets are left.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "article_count")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Topic]:
        return super().get_queryset(request).annotate(article_count=Count("articles"))

    @admin.display(description=_("articles"), ordering="article_count")
    def article_count(self, topic: WithAnnotations[Topic, ArticleCount]) -> int:
        return topic.article_count


class ReadOnlyAdmin(admin.ModelAdmin):
    """Behaviour is training data written by readers: nobody adds or edits it here, not even
    superusers. Only a superuser may delete it, which is what lets a superuser delete an account
    (a privacy request) whose rows cascade.

    Tables reach hundreds of thousands of rows, so related rows are joined in the list query,
    foreign keys never render as full drop-downs, and filtered lists skip the extra full count.
    """

    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.is_superuser


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "event", "value", "source", "article")
    list_filter = ("event", "source", "created_at")
    search_fields = ("user__username", "article__title")
    list_select_related = ("user", "article")
    raw_id_fields = ("user", "article")


@admin.register(SearchQuery)
class SearchQueryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "text", "results_count")
    list_filter = ("created_at",)
    search_fields = ("text", "user__username")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
