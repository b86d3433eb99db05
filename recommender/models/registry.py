"""The recommendation domain's rows: model versions of the registry (DESIGN §3)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ModelVersion(models.Model):
    """One training run of one kind of model and, if it succeeded, its artifact directory.

    Serving reads the single ``active`` version per kind. A new version becomes active only after
    its artifacts are complete on disk, so a failed or killed training never changes what serves.
    """

    class Kind(models.TextChoices):
        MF = "mf", _("Matrix factorisation")
        LM = "lm", _("Language model")
        HYBRID = "hybrid", _("Hybrid ranker")
        ENCODER = "encoder", _("Text encoder")

    class Status(models.TextChoices):
        TRAINING = "training", _("Training")
        READY = "ready", _("Ready")
        ACTIVE = "active", _("Active")
        FAILED = "failed", _("Failed")
        RETIRED = "retired", _("Retired")

    kind = models.CharField(
        max_length=10, choices=Kind.choices, default=Kind.MF, verbose_name=_("kind")
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.TRAINING, verbose_name=_("status")
    )
    params = models.JSONField(default=dict, blank=True, verbose_name=_("params"))
    metrics = models.JSONField(default=dict, blank=True, verbose_name=_("metrics"))
    data_counts = models.JSONField(default=dict, blank=True, verbose_name=_("data counts"))
    # Relative to settings.RECSITE_ARTIFACT_DIR, so the shared volume may be mounted anywhere.
    artifact_path = models.CharField(max_length=500, blank=True, verbose_name=_("artifact path"))
    train_seconds = models.FloatField(null=True, blank=True, verbose_name=_("train seconds"))
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("created at")
    )
    activated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("activated at"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    activation_note = models.TextField(blank=True, verbose_name=_("activation note"))
    # The version that was active when this one was activated: what a rollback returns to.
    previous_active = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("previous active"),
    )

    class Meta:
        verbose_name = _("model version")
        verbose_name_plural = _("model versions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(status="active"),
                name="recommender_one_active_version_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.pk} ({self.status})"
