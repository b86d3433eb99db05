"""Online experiments: editors compare model versions or explanation-style policies on real
readers (recommender.experiments runs them, recommender.dashboard analyses them)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .explanations import Explanation
from .registry import ModelVersion


class Experiment(models.Model):
    """Two or more arms compared on one surface. While ``running``, a reader inside the traffic
    share sees an arm (A/B: the arm their stable hash picks) or one list interleaved from every
    arm's ranking (team draft); readers outside it see what the active versions serve."""

    class Surface(models.TextChoices):
        # The feed and GET /api/recommendations/ serve one list: one surface.
        LIST = "list", _("Recommended lists (For you, GET /api/recommendations/)")
        REQUEST = "request", _("Requests in words (POST /api/recommend/)")
        STYLE = "style", _("Explanation styles")

    class Method(models.TextChoices):
        AB = "ab", _("A/B split by reader")
        INTERLEAVING = "interleaving", _("Team-draft interleaving (rankers only)")

    class Metric(models.TextChoices):
        CLICK_THROUGH = "click_through", _("Click-through on recommended cards")
        READS = "reads", _("Reads of recommended articles")
        LIKES = "likes", _("Likes of recommended articles")
        THUMBS_UP = "thumbs_up", _("Thumbs-up rate of explanations")
        DISLIKES = "dislikes", _("Dislike rate (not interested)")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        STOPPED = "stopped", _("Stopped")

    name = models.CharField(_("name"), max_length=200)
    surface = models.CharField(_("surface"), max_length=10, choices=Surface.choices)
    method = models.CharField(
        _("method"), max_length=15, choices=Method.choices, default=Method.INTERLEAVING
    )
    traffic_share = models.FloatField(
        _("traffic share"),
        default=1.0,
        help_text=_("Share of readers in the experiment, between 0 and 1."),
    )
    primary_metric = models.CharField(
        _("primary metric"), max_length=15, choices=Metric.choices, default=Metric.CLICK_THROUGH
    )
    # Metric values (Metric) watched for harm; the decision is taken on the primary one only.
    guardrails = models.JSONField(_("guardrails"), default=list, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("created at")
    )
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    stopped_at = models.DateTimeField(null=True, blank=True, verbose_name=_("stopped at"))

    class Meta:
        verbose_name = _("experiment")
        verbose_name_plural = _("experiments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["surface"],
                condition=Q(state="running"),
                name="recommender_one_running_experiment_per_surface",
            ),
            models.CheckConstraint(
                condition=Q(traffic_share__gt=0) & Q(traffic_share__lte=1),
                name="recommender_experiment_traffic_share_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ExperimentArm(models.Model):
    """One arm: a model version (list and request surfaces) or an explanation-style policy
    (``style`` empty: the bandit chooses, as outside experiments)."""

    experiment = models.ForeignKey(
        Experiment, on_delete=models.CASCADE, related_name="arms", verbose_name=_("experiment")
    )
    label = models.CharField(_("label"), max_length=40)
    model_version = models.ForeignKey(
        ModelVersion,
        null=True,
        blank=True,
        # An arm's version is pinned while its experiment runs (never pruned); afterwards the
        # experiment's history outlives the version.
        on_delete=models.SET_NULL,
        related_name="experiment_arms",
        verbose_name=_("model version"),
    )
    style = models.CharField(
        _("explanation style"), max_length=20, blank=True, choices=Explanation.Style.choices
    )

    class Meta:
        verbose_name = _("experiment arm")
        verbose_name_plural = _("experiment arms")
        ordering = ["experiment", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["experiment", "label"], name="recommender_experiment_arm_label_unique"
            )
        ]

    def __str__(self) -> str:
        return self.label
