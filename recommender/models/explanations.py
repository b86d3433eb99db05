"""Explanations shown with recommendations, what readers think of them, and what they ask us to
stop assuming about them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Article, Topic

from .registry import ModelVersion


class Explanation(models.Model):
    """Why ``article`` was recommended to ``user`` by ``model_version``: a sentence in one
    ``style`` and the evidence it names (article ids, topics, numbers), stored as shown."""

    class Style(models.TextChoices):
        BECAUSE_YOU_READ = "because_you_read", _("Because you read")
        SIMILAR_TEXT = "similar_text", _("Similar to what you read")
        TOPIC_MATCH = "topic_match", _("Topic match")
        CO_READERS = "co_readers", _("Readers like you")
        TRENDING = "trending", _("Trending")
        NEW = "new", _("New")
        EDITORIAL = "editorial", _("Editors' pick")
        FOLLOWED_TOPIC = "followed_topic", _("A topic you follow")
        REQUEST_MATCH = "request_match", _("Matches your request")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="explanations",
        verbose_name=_("user"),
    )
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="explanations", verbose_name=_("article")
    )
    model_version = models.ForeignKey(
        ModelVersion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("model version"),
    )
    style = models.CharField(max_length=20, choices=Style.choices, verbose_name=_("style"))
    text = models.CharField(max_length=500, verbose_name=_("text"))
    evidence = models.JSONField(default=dict, blank=True, verbose_name=_("evidence"))
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created at")
    )

    class Meta:
        verbose_name = _("explanation")
        verbose_name_plural = _("explanations")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "article", "model_version"])]

    def __str__(self) -> str:
        return self.text


class ExplanationFeedback(models.Model):
    """One reader's thumbs on one explanation; a second vote replaces the first."""

    class Reason(models.TextChoices):
        HELPFUL = "helpful", _("Helpful")
        WRONG_REASON = "wrong_reason", _("Wrong reason")
        NOT_RELEVANT = "not_relevant", _("Not relevant")
        ALREADY_READ = "already_read", _("Already read")
        OTHER = "other", _("Other")

    explanation = models.ForeignKey(
        Explanation,
        on_delete=models.CASCADE,
        related_name="feedback",
        verbose_name=_("explanation"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="explanation_feedback",
        verbose_name=_("user"),
    )
    vote = models.SmallIntegerField(
        choices=[(1, _("Thumbs up")), (-1, _("Thumbs down"))], verbose_name=_("vote")
    )
    reason = models.CharField(
        max_length=20, choices=Reason.choices, blank=True, verbose_name=_("reason")
    )
    comment = models.TextField(blank=True, max_length=2000, verbose_name=_("comment"))
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created at")
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("explanation feedback")
        verbose_name_plural = _("explanation feedback")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["explanation", "user"], name="recommender_one_vote_per_explanation"
            )
        ]

    def __str__(self) -> str:
        return f"{'+1' if self.vote > 0 else '-1'} on explanation {self.explanation_id}"


class EvidencePenalty(models.Model):
    """Evidence a reader said was the wrong reason ("article:12", "topic:space",
    "style:co_readers"): future explanations for that reader weigh it down by ``penalty``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="evidence_penalties",
        verbose_name=_("user"),
    )
    key = models.CharField(max_length=120, verbose_name=_("key"))
    penalty = models.FloatField(default=0.0, verbose_name=_("penalty"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("evidence penalty")
        verbose_name_plural = _("evidence penalties")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="recommender_one_penalty_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key} -{self.penalty}"


class HiddenInterest(models.Model):
    """An inferred interest (a topic or a key phrase) the reader removed from their "me" page;
    recommendations stop leaning on it."""

    class Kind(models.TextChoices):
        TOPIC = "topic", _("Topic")
        PHRASE = "phrase", _("Key phrase")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="hidden_interests",
        verbose_name=_("user"),
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("topic")
    )
    phrase = models.CharField(max_length=200, blank=True, verbose_name=_("phrase"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("hidden interest")
        verbose_name_plural = _("hidden interests")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "topic", "phrase"], name="recommender_hidden_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} hides {self.topic or self.phrase}"


class RecommendationImpression(models.Model):
    """A recommended card shown to a reader (and, once they open it, when they clicked), so
    click-through rates on the dashboard are measured, not guessed."""

    class Surface(models.TextChoices):
        HOME = "home", _("Home page")
        API = "api", _("API")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="impressions",
        verbose_name=_("user"),
    )
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="impressions", verbose_name=_("article")
    )
    explanation = models.ForeignKey(
        Explanation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="impressions",
        verbose_name=_("explanation"),
    )
    model_version = models.ForeignKey(
        ModelVersion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("model version"),
    )
    surface = models.CharField(max_length=10, choices=Surface.choices, verbose_name=_("surface"))
    position = models.PositiveSmallIntegerField(verbose_name=_("position"))
    # The running experiment the card was served in, and the arm that put the article there
    # (A/B: the reader's arm; interleaving: the ranker that contributed this position).
    experiment = models.ForeignKey(
        "recommender.Experiment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="impressions",
        verbose_name=_("experiment"),
    )
    arm = models.ForeignKey(
        "recommender.ExperimentArm",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="impressions",
        verbose_name=_("arm"),
    )
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created at")
    )
    clicked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("clicked at"))

    class Meta:
        verbose_name = _("recommendation impression")
        verbose_name_plural = _("recommendation impressions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "article", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} saw {self.article_id} at {self.position}"
