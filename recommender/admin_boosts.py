"""Editorial boosts for editors: pin an article to the top of every reader's list, or boost an
article or a topic by a factor, for a period. A saved or deleted boost applies to the next page
served (recommender.receivers drops the cached boosts)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from .models import EditorialBoost

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@admin.register(EditorialBoost)
class EditorialBoostAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "factor", "starts_at", "ends_at", "created_by", "note"]
    list_filter = ["kind"]
    autocomplete_fields = ["article", "topic"]
    readonly_fields = ["created_by", "created_at"]
    fields = ["kind", "article", "topic", "factor", "starts_at", "ends_at", "note"]
    fields += readonly_fields

    def save_model(
        self,
        request: HttpRequest,
        obj: EditorialBoost,
        form: ModelForm[EditorialBoost],
        change: bool,
    ) -> None:
        if not change:
            obj.created_by = cast("User", request.user)  # the admin's users are signed in
        super().save_model(request, obj, form, change)
