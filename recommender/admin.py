"""Model versions for editors: metrics, data, status and why a version is (not) serving, with
retrain / activate / roll back actions that go through the services."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from .dispatch import RETRAIN, task_dispatch
from .models import ModelVersion
from .training.mf import retrain_running
from .training.registry import model_version_activate, model_version_rollback


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "kind",
        "status",
        "ndcg_at_10",
        "recall_at_20",
        "data_summary",
        "train_seconds_rounded",
        "created_at",
        "activated_at",
        "note",
    ]
    list_filter = ["kind", "status"]
    ordering = ["-created_at", "-id"]
    actions = ["retrain", "activate", "rollback"]
    readonly_fields = [
        "kind",
        "status",
        "params",
        "metrics",
        "data_counts",
        "artifact_path",
        "train_seconds",
        "created_at",
        "activated_at",
        "previous_active",
        "activation_note",
        "error",
    ]

    # Rows are created by trainings only and kept as the registry's history; "change" permission
    # means running the actions below (every field is read-only).
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ModelVersion | None = None) -> bool:
        return False

    @admin.display(description="NDCG@10")
    def ndcg_at_10(self, version: ModelVersion) -> str:
        return _metric(version, "ndcg@10")

    @admin.display(description="Recall@20")
    def recall_at_20(self, version: ModelVersion) -> str:
        return _metric(version, "recall@20")

    @admin.display(description="users / items / interactions")
    def data_summary(self, version: ModelVersion) -> str:
        counts = version.data_counts
        if not counts:
            return "-"
        return " / ".join(str(counts.get(name, "?")) for name in ("users", "items", "interactions"))

    @admin.display(description="train s", ordering="train_seconds")
    def train_seconds_rounded(self, version: ModelVersion) -> str:
        return "-" if version.train_seconds is None else f"{version.train_seconds:.1f}"

    @admin.display(description="note or error")
    def note(self, version: ModelVersion) -> str:
        text = version.error.strip().splitlines()[-1] if version.error else version.activation_note
        return text[:160]

    @admin.action(description="Retrain the MF model now", permissions=["change"])
    def retrain(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        if retrain_running():
            self.message_user(request, "A retraining is already running.", messages.WARNING)
            return
        task_dispatch(RETRAIN)
        self.message_user(request, "Retraining queued; refresh this page to follow it.")

    @admin.action(description="Activate the selected version", permissions=["change"])
    def activate(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to activate.", messages.ERROR)
            return
        try:
            version = model_version_activate(
                version=queryset.get(), note=f"Activated by {request.user.username} (admin)."
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        self.message_user(request, f"{version} is now serving.")

    @admin.action(
        description="Roll back the selected kind to its previous version", permissions=["change"]
    )
    def rollback(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        kinds = set(queryset.values_list("kind", flat=True))
        if len(kinds) != 1:
            self.message_user(request, "Select versions of exactly one kind.", messages.ERROR)
            return
        try:
            version = model_version_rollback(kind=kinds.pop())
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        if version.status == ModelVersion.Status.ACTIVE:
            self.message_user(request, f"Rolled back: {version} is serving again.")
        else:  # a hybrid with nothing earlier over the active MF version
            self.message_user(request, f"Rolled back: {version} stopped serving; MF ranks alone.")


def _metric(version: ModelVersion, name: str) -> str:
    value = version.metrics.get(name)
    return "-" if value is None else f"{value:.4f}"


# Editors' pins and boosts, experiments; explanations, feedback, impressions and the dashboard:
# own modules.
from . import admin_boosts, admin_experiments, admin_explanations, admin_outbox  # noqa: E402, F401
