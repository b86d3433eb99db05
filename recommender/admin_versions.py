"""Model versions for editors: what each kind of model records (settings, validation, data),
rounded, with a truthful note on whether and when a version served; a version's page shows its
records as tables and has Activate / Roll back buttons. Retrain, activate and roll back go
through the services."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .admin_format import NONE, figure, json_table, when
from .dispatch import RETRAIN, task_dispatch
from .models import ModelVersion
from .training.mf import retrain_running
from .training.registry import model_version_activate, model_version_rollback

Kind = ModelVersion.Kind
Status = ModelVersion.Status

# What each kind is judged by on its validation split, in the order an editor reads them
# (the LM holds out each reader's last article; the encoder is not validated).
VALIDATION_METRICS: dict[str, tuple[tuple[str, str | Promise], ...]] = {
    Kind.MF: (("ndcg@10", "NDCG@10"), ("recall@20", "Recall@20")),
    Kind.HYBRID: (("ndcg@10", "NDCG@10"), ("mf_ndcg@10", gettext_lazy("MF alone"))),
    Kind.LM: (("ndcg@10", "NDCG@10"), ("recall@20", "Recall@20")),
    Kind.ENCODER: (),
}
# data_counts keys in words; a kind records some of them.
DATA_LABELS = {
    "users": gettext_lazy("readers"),
    "readers": gettext_lazy("readers"),
    "items": gettext_lazy("articles"),
    "articles": gettext_lazy("articles"),
    "interactions": gettext_lazy("events"),
    "held_out": gettext_lazy("held out"),
}


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = [
        "version",
        "kind",
        "status",
        "settings_summary",
        "validation",
        "data_summary",
        "train_seconds_rounded",
        "created",
        "note",
    ]
    list_display_links = ["version"]
    list_filter = ["kind", "status"]
    ordering = ["-created_at", "-id"]
    actions = ["retrain", "activate", "rollback"]
    fieldsets = [
        (None, {"fields": ["kind", "status", "note", "created", "activated", "train_seconds_s"]}),
        (gettext_lazy("Validation"), {"fields": ["metrics_table"]}),
        (gettext_lazy("Training search"), {"fields": ["search_table"]}),
        (gettext_lazy("Settings and data"), {"fields": ["params_table", "data_table"]}),
        (
            gettext_lazy("Artifacts and history"),
            {"fields": ["artifact_path", "previous_active", "error"]},
        ),
    ]
    readonly_fields = [
        "kind",
        "status",
        "note",
        "created",
        "activated",
        "train_seconds_s",
        "metrics_table",
        "search_table",
        "params_table",
        "data_table",
        "artifact_path",
        "previous_active",
        "error",
    ]
    change_form_template = "admin/recommender/modelversion/change_form.html"
    change_list_template = "admin/recommender/modelversion/change_list.html"

    # Rows are created by trainings only and kept as the registry's history; "change" permission
    # means running the actions below (every field is read-only).
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ModelVersion | None = None) -> bool:
        return False

    def get_fieldsets(self, request: HttpRequest, obj: ModelVersion | None = None) -> Any:
        # The search section only where the training recorded one.
        if obj is not None and "search" in obj.metrics:
            return self.fieldsets
        return [section for section in self.fieldsets if section[1]["fields"] != ["search_table"]]

    # --- the list ---------------------------------------------------------------------------

    @admin.display(description=gettext_lazy("version"), ordering="id")
    def version(self, version: ModelVersion) -> str:
        return f"v{version.pk}"

    @admin.display(description=gettext_lazy("settings"))
    def settings_summary(self, version: ModelVersion) -> str:
        params = version.params
        if version.kind == Kind.MF:
            if "factors" not in params:
                return NONE
            return _("%(factors)s factors") % {"factors": figure(params["factors"])}
        if version.kind == Kind.HYBRID:
            parts = [_("over MF v%(id)s") % {"id": params.get("mf_version", "?")}]
            if params.get("lm_version"):
                parts.append(_("with LM v%(id)s") % {"id": params["lm_version"]})
            if "pool" in params:
                parts.append(_("pool %(size)s") % {"size": figure(params["pool"])})
            return " · ".join(parts)
        if version.kind == Kind.LM:
            if params.get("base"):
                return _("fine-tuned %(base)s") % {"base": _last_part(params["base"])}
            return _("%(layers)s layers × %(width)s") % {
                "layers": figure(params.get("layers")),
                "width": figure(params.get("dim")),
            }
        return _last_part(str(params.get("encoder", NONE)))

    @admin.display(description=gettext_lazy("validation"))
    def validation(self, version: ModelVersion) -> str:
        shown = [
            f"{label} {figure(version.metrics.get(name))}"
            for name, label in VALIDATION_METRICS.get(version.kind, ())
            if name in version.metrics
        ]
        return " · ".join(shown) or NONE

    @admin.display(description=gettext_lazy("data"))
    def data_summary(self, version: ModelVersion) -> str:
        counts = version.data_counts
        shown = [
            f"{figure(counts[key])} {label}" for key, label in DATA_LABELS.items() if key in counts
        ]
        return " · ".join(shown) or NONE

    @admin.display(description=gettext_lazy("train s"), ordering="train_seconds")
    def train_seconds_rounded(self, version: ModelVersion) -> str:
        return figure(version.train_seconds)

    @admin.display(description=gettext_lazy("created"), ordering="created_at")
    def created(self, version: ModelVersion) -> str:
        return when(version.created_at)

    @admin.display(description=gettext_lazy("note"))
    def note(self, version: ModelVersion) -> str:
        """What happened to the version and when: an active version's note is why it was
        activated; the registry rewrites the note when a version stops serving."""
        if version.status == Status.FAILED:
            lines = version.error.strip().splitlines()
            return _("Failed: %(error)s") % {"error": lines[-1] if lines else NONE}
        if version.status == Status.TRAINING:
            return _("Training since %(start)s.") % {"start": when(version.created_at)}
        if version.status == Status.ACTIVE:
            since = _("Active since %(start)s.") % {"start": when(version.activated_at)}
            return f"{since} {version.activation_note}".strip()
        return version.activation_note or NONE

    # --- a version's page -------------------------------------------------------------------

    @admin.display(description=gettext_lazy("activated"))
    def activated(self, version: ModelVersion) -> str:
        return when(version.activated_at)

    @admin.display(description=gettext_lazy("training time (s)"))
    def train_seconds_s(self, version: ModelVersion) -> str:
        return figure(version.train_seconds)

    @admin.display(description=gettext_lazy("metrics"))
    def metrics_table(self, version: ModelVersion) -> SafeString:
        return json_table({k: v for k, v in version.metrics.items() if k != "search"})

    @admin.display(description=gettext_lazy("search"))
    def search_table(self, version: ModelVersion) -> SafeString:
        return json_table(version.metrics.get("search"))

    @admin.display(description=gettext_lazy("settings"))
    def params_table(self, version: ModelVersion) -> SafeString:
        return json_table(version.params)

    @admin.display(description=gettext_lazy("data"))
    def data_table(self, version: ModelVersion) -> SafeString:
        return json_table(version.data_counts)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        version = self.get_object(request, object_id)
        may_change = self.has_change_permission(request, version)
        context = {
            # Every field is read-only: there is nothing to save.
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "may_activate": may_change and version is not None and version.status == Status.READY,
            "may_roll_back": may_change and version is not None and version.status == Status.ACTIVE,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=context)

    def get_urls(self) -> list[URLPattern]:
        def view(function):
            return self.admin_site.admin_view(require_POST(function))

        return [
            path(
                "<int:pk>/activate/",
                view(self.activate_view),
                name="recommender_modelversion_activate",
            ),
            path(
                "<int:pk>/rollback/",
                view(self.rollback_view),
                name="recommender_modelversion_rollback",
            ),
            *super().get_urls(),
        ]

    def activate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = self._version_to_change(request, pk)
        self._activate(request, version)
        return self._back_to(version)

    def rollback_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = self._version_to_change(request, pk)
        self._roll_back(request, version.kind)
        return self._back_to(version)

    def _version_to_change(self, request: HttpRequest, pk: int) -> ModelVersion:
        version = get_object_or_404(ModelVersion, pk=pk)
        if not self.has_change_permission(request, version):
            raise PermissionDenied
        return version

    def _back_to(self, version: ModelVersion) -> HttpResponseRedirect:
        url = reverse(f"{self.admin_site.name}:recommender_modelversion_change", args=[version.pk])
        return HttpResponseRedirect(url)

    # --- actions (the list) and what the buttons share with them ----------------------------

    @admin.action(description=gettext_lazy("Retrain the MF model now"), permissions=["change"])
    def retrain(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        if retrain_running():
            self.message_user(request, _("A retraining is already running."), messages.WARNING)
            return
        task_dispatch(RETRAIN)
        self.message_user(request, _("Retraining requested; refresh this page to follow it."))

    @admin.action(description=gettext_lazy("Activate the selected version"), permissions=["change"])
    def activate(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one version to activate."), messages.ERROR)
            return
        self._activate(request, queryset.get())

    @admin.action(
        description=gettext_lazy("Roll back the selected kind to its previous version"),
        permissions=["change"],
    )
    def rollback(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        kinds = set(queryset.values_list("kind", flat=True))
        if len(kinds) != 1:
            self.message_user(request, _("Select versions of exactly one kind."), messages.ERROR)
            return
        self._roll_back(request, kinds.pop())

    def _activate(self, request: HttpRequest, version: ModelVersion) -> None:
        try:
            version = model_version_activate(
                version=version, note=f"Activated by {request.user.get_username()} (admin)."
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        self.message_user(request, _("%(version)s is now serving.") % {"version": version})

    def _roll_back(self, request: HttpRequest, kind: str) -> None:
        try:
            version = model_version_rollback(kind=kind)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        if version.status == Status.ACTIVE:
            message = _("Rolled back: %(version)s is serving again.") % {"version": version}
        else:  # a hybrid with nothing earlier over the active MF version
            message = _("Rolled back: %(version)s stopped serving; MF ranks alone.") % {
                "version": version
            }
        self.message_user(request, message)


def _last_part(name: str) -> str:
    """A model's short name: the last part of a path or hub id (long paths would not wrap)."""
    return name.rstrip("/").rsplit("/", 1)[-1] or NONE
