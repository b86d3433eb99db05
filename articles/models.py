"""Content (articles, topics) and behaviour (interactions, searches)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Topic(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("topic_detail", kwargs={"slug": self.slug})


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    title = models.CharField(max_length=500)
    slug = models.SlugField(max_length=220, unique=True)
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    topics = models.ManyToManyField(Topic, related_name="articles", blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # The id the article has in an imported catalogue (DESIGN §5 "article_id"); importers key
    # on it so that re-running an import updates instead of duplicating.
    external_id = models.CharField(max_length=100, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["status", "-published_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("article_detail", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Interaction(models.Model):
    class Event(models.TextChoices):
        VIEW = "view", "View"
        CLICK = "click", "Click"
        READ = "read", "Read"
        LIKE = "like", "Like"
        BOOKMARK = "bookmark", "Bookmark"
        SHARE = "share", "Share"
        DISLIKE = "dislike", "Not interested"
        RATING = "rating", "Rating"

    class Source(models.TextChoices):
        WEB = "web", "Site"
        API = "api", "API"
        IMPORT = "import", "Import"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interactions"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="interactions")
    event = models.CharField(max_length=10, choices=Event.choices, default=Event.READ)
    value = models.FloatField(null=True, blank=True)
    dwell_seconds = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Set only by importers: a digest of the source row, so re-importing a file adds nothing.
    import_key = models.CharField(max_length=40, null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["article", "event", "created_at"]),
        ]
        # A constraint rather than unique=True: on PostgreSQL a unique CharField also gets a
        # varchar_pattern_ops index for LIKE queries, which nothing runs on this digest.
        constraints = [
            models.UniqueConstraint(fields=["import_key"], name="interaction_import_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.event} {self.article_id}"


class TopicFollow(models.Model):
    """A reader follows a topic: its articles rank higher in their list, and an explanation may
    say so ("On Space, a topic you follow")."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="topic_follows"
    )
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["topic__name"]
        verbose_name = _("topic follow")
        verbose_name_plural = _("topic follows")
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="articles_one_follow_per_topic")
        ]

    def __str__(self) -> str:
        return f"{self.user} follows {self.topic}"


class SearchQuery(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="search_queries",
    )
    text = models.CharField(max_length=500)
    results_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("search query")
        verbose_name_plural = _("search queries")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text
