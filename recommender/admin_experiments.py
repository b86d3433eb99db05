"""Online experiments for editors: design one (arms, method, share, metrics), start / pause /
stop it with a button, read its results, and make its winner the active version in one click.
The buttons post to this admin's own URLs, which call recommender.experiments.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import dashboard
from .experiments.services import (
    experiment_pause,
    experiment_start,
    experiment_stop,
    experiment_winner_activate,
)
from .models import Experiment, ExperimentArm


class ExperimentForm(forms.ModelForm):
    guardrails = forms.MultipleChoiceField(
        label=gettext_lazy("guardrails"),
        choices=Experiment.Metric.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Metrics watched for harm, e.g. the dislike rate."),
    )

    class Meta:
        model = Experiment
        fields = ["name", "surface", "method", "traffic_share", "primary_metric", "guardrails"]


class ExperimentArmInline(admin.TabularInline):
    model = ExperimentArm
    fields = ["label", "model_version", "style"]
    extra = 2
    min_num = 0

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A running experiment's arms are what readers are being served: not edited under it.
        if obj is not None and obj.state != Experiment.State.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    has_add_permission = has_delete_permission = has_change_permission


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    form = ExperimentForm
    list_display = [
        "name",
        "surface",
        "method",
        "traffic_share",
        "primary_metric",
        "state",
        "started_at",
        "stopped_at",
    ]
    list_filter = ["surface", "state", "method"]
    inlines = [ExperimentArmInline]
    readonly_fields = ["state", "created_at", "started_at", "stopped_at"]
    change_form_template = "admin/recommender/experiment/change_form.html"

    def get_readonly_fields(self, request: HttpRequest, obj: Experiment | None = None) -> Any:
        if obj is not None and obj.state != Experiment.State.DRAFT:
            return [*ExperimentForm.Meta.fields, *self.readonly_fields]
        return self.readonly_fields

    def get_urls(self) -> list[URLPattern]:
        def view(function: Any) -> Any:
            return self.admin_site.admin_view(require_POST(function))

        return [
            path("<int:pk>/state/<str:change>/", view(self.state_view), name="experiment_state"),
            path("winner/<int:arm_pk>/", view(self.winner_view), name="experiment_winner"),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        experiment = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if experiment is not None and experiment.state != Experiment.State.DRAFT:
            context["results"] = dashboard.experiment_results(experiment=experiment)
        return super().change_view(request, object_id, form_url, extra_context=context)

    def state_view(self, request: HttpRequest, pk: int, change: str) -> HttpResponse:
        experiment = get_object_or_404(Experiment, pk=pk)
        if not self.has_change_permission(request, experiment):
            raise PermissionDenied
        services = {"start": experiment_start, "pause": experiment_pause, "stop": experiment_stop}
        if change not in services:
            raise PermissionDenied
        try:
            experiment = services[change](experiment=experiment)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                _("“%(name)s” is now %(state)s.")
                % {"name": experiment.name, "state": experiment.get_state_display()},
            )
        return HttpResponseRedirect(reverse("admin:recommender_experiment_change", args=[pk]))

    def winner_view(self, request: HttpRequest, arm_pk: int) -> HttpResponse:
        arm = get_object_or_404(ExperimentArm.objects.select_related("experiment"), pk=arm_pk)
        # Activating a version is a model-version change, as in the model versions' admin.
        if not (
            self.has_change_permission(request, arm.experiment)
            and request.user.has_perm("recommender.change_modelversion")
        ):
            raise PermissionDenied
        try:
            version = experiment_winner_activate(arm=arm, editor=request.user.get_username())
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                _("%(version)s (arm %(arm)s) is now serving everyone; the experiment is stopped.")
                % {"version": version, "arm": arm.label},
            )
        return HttpResponseRedirect(
            reverse("admin:recommender_experiment_change", args=[arm.experiment_id])
        )
