"""The outbox for operators (superusers): background work and cache deletes waiting for Redis,
with the last error of each, and what was sent lately (recommender.services.outbox). Read-only:
the relay alone changes these rows."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import OutboxMessage


class PendingFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[OutboxMessage]
    ) -> list[tuple[str, str]]:
        return [("pending", "pending"), ("sent", "sent")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[OutboxMessage]
    ) -> QuerySet[OutboxMessage]:
        if self.value() is None:
            return queryset
        return queryset.filter(sent_at__isnull=self.value() == "pending")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["pk", "task", "args", "cache_keys", "created_at", "sent_at", "attempts"]
    list_filter = [PendingFilter, "task"]
    ordering = ["-pk"]
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboxMessage | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OutboxMessage | None = None) -> bool:
        return False
