"""Content (articles, topics) and behaviour (interactions, searches)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Topic(models.Model):
    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    slug = models.SlugField(max_length=100, unique=True, verbose_name=_("slug"))
    description = models.TextField(blank=True, verbose_name=_("description"))

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
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    title = models.CharField(max_length=500, verbose_name=_("title"))
    slug = models.SlugField(max_length=220, unique=True, verbose_name=_("slug"))
    summary = models.TextField(blank=True, verbose_name=_("summary"))
    body = models.TextField(blank=True, verbose_name=_("body"))
    topics = models.ManyToManyField(
        Topic, related_name="articles", blank=True, verbose_name=_("topics")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, verbose_name=_("status")
    )
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=_("published at"))
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("created at")
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    # The id the article has in an imported catalogue (DESIGN §5 "article_id"); importers key
    # on it so that re-running an import updates instead of duplicating.
    external_id = models.CharField(
        max_length=100, unique=True, null=True, blank=True, verbose_name=_("external id")
    )

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
        VIEW = "view", _("View")
        CLICK = "click", _("Click")
        READ = "read", _("Read")
        LIKE = "like", _("Like")
        BOOKMARK = "bookmark", _("Bookmark")
        SHARE = "share", _("Share")
        DISLIKE = "dislike", _("Not interested")
        RATING = "rating", _("Rating")

    class Source(models.TextChoices):
        WEB = "web", _("Site")
        API = "api", _("API")
        IMPORT = "import", _("Import")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="interactions",
        verbose_name=_("user"),
    )
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="interactions", verbose_name=_("article")
    )
    event = models.CharField(
        max_length=10, choices=Event.choices, default=Event.READ, verbose_name=_("event")
    )
    value = models.FloatField(null=True, blank=True, verbose_name=_("value"))
    dwell_seconds = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("dwell seconds")
    )
    source = models.CharField(
        max_length=10, choices=Source.choices, default=Source.WEB, verbose_name=_("source")
    )
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created at")
    )
    # Set only by importers: a digest of the source row, so re-importing a file adds nothing.
    import_key = models.CharField(
        max_length=40, null=True, blank=True, editable=False, verbose_name=_("import key")
    )

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
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="topic_follows",
        verbose_name=_("user"),
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="follows", verbose_name=_("topic")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

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
        verbose_name=_("user"),
    )
    text = models.CharField(max_length=500, verbose_name=_("text"))
    results_count = models.PositiveIntegerField(default=0, verbose_name=_("results count"))
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created at")
    )

    class Meta:
        verbose_name = _("search query")
        verbose_name_plural = _("search queries")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text
