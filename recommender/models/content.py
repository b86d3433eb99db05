"""What the text models know about articles, and what editors impose on rankings."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Article, Topic


class ArticleEmbedding(models.Model):
    """An article's text embedding (title + summary), kept until its text or the encoder changes:
    ``text_hash`` digests both, so re-embedding an unchanged article is skipped."""

    article = models.OneToOneField(
        Article,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="embedding",
        verbose_name=_("article"),
    )
    encoder = models.CharField(max_length=200, verbose_name=_("encoder"))
    text_hash = models.CharField(max_length=64, verbose_name=_("text hash"))
    dim = models.PositiveSmallIntegerField(verbose_name=_("dim"))
    # float32, little-endian, L2-normalised; ``dim`` values.
    vector = models.BinaryField(verbose_name=_("vector"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("article embedding")
        verbose_name_plural = _("article embeddings")

    def __str__(self) -> str:
        return f"embedding of article {self.article_id}"


class EditorialBoost(models.Model):
    """An editor's thumb on the scale for a period: pin an article to the top of lists, or boost
    an article or a whole topic by a factor."""

    class Kind(models.TextChoices):
        PIN = "pin", _("Pin to the top")
        BOOST = "boost", _("Boost")

    kind = models.CharField(
        max_length=5, choices=Kind.choices, default=Kind.BOOST, verbose_name=_("kind")
    )
    article = models.ForeignKey(
        Article,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="boosts",
        verbose_name=_("article"),
    )
    topic = models.ForeignKey(
        Topic,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="boosts",
        verbose_name=_("topic"),
    )
    # Multiplies the ranking score of boosted articles (ignored for pins).
    factor = models.FloatField(default=1.5, verbose_name=_("factor"))
    starts_at = models.DateTimeField(default=timezone.now, verbose_name=_("starts at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    note = models.CharField(max_length=200, blank=True, verbose_name=_("note"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("created at")
    )

    class Meta:
        verbose_name = _("editorial boost")
        verbose_name_plural = _("editorial boosts")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(article__isnull=False) & Q(topic__isnull=True))
                | (Q(article__isnull=True) & Q(topic__isnull=False)),
                name="recommender_boost_targets_article_or_topic",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="recommender_boost_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        target = self.article or self.topic
        return f"{self.get_kind_display()}: {target}"
