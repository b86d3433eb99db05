"""The outbox for operators (superusers): background work and cache deletes waiting for Redis,
with the last error of each, and what was sent lately (recommender.outbox). Read-only:
the relay alone changes these rows."""

from django.contrib import admin

from .admin_explanations import ReadOnlyAdmin
from .models import OutboxMessage


class PendingFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("pending", "pending"), ("sent", "sent")]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(sent_at__isnull=self.value() == "pending")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["pk", "task", "args", "cache_keys", "created_at", "sent_at", "attempts"]
    list_filter = [PendingFilter, "task"]
    ordering = ["-pk"]
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]
