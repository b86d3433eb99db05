"""Editorial boosts for editors: pin an article to the top of every reader's list, or boost an
article or a topic by a factor, for a period. A saved or deleted boost applies to the next page
served (recommender.receivers drops the cached boosts)."""

from django.contrib import admin

from .models import EditorialBoost


@admin.register(EditorialBoost)
class EditorialBoostAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "factor", "starts_at", "ends_at", "created_by", "note"]
    list_filter = ["kind"]
    autocomplete_fields = ["article", "topic"]
    readonly_fields = ["created_by", "created_at"]
    fields = ["kind", "article", "topic", "factor", "starts_at", "ends_at", "note"]
    fields += readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
