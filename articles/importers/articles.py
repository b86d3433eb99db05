"""Import of the canonical ``articles.csv`` (DESIGN §5): ``article_id,title,summary,body,topics,
published_at``, only ``article_id`` and ``title`` required, ``topics`` ``|``-separated.

Articles are keyed by ``external_id`` (the file's ``article_id``), so re-importing a file updates
what changed and adds nothing. Rules for an article that already exists:

- a column present in the file is authoritative (an empty ``summary`` cell empties the summary,
  an empty ``topics`` cell removes the topics), a column absent from the file is left alone;
- an empty or absent ``published_at`` keeps the existing date (a new article gets "now");
- the status is never changed: an article an editor archived stays archived.

New articles are published. Bulk imports send no ``article_published`` signal per article: the
recommender embeds and indexes the catalogue in bulk when it retrains.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.utils import timezone
from django.utils.text import slugify

from ..models import Article, Topic
from .csv_rows import CsvFile, CsvRow, RowError, RowInvalid
from .runner import BATCH_SIZE, ImportReport, run_import_of
from .values import limited, parse_timestamp, required_text

REQUIRED_COLUMNS = ("article_id", "title")
OPTIONAL_COLUMNS = ("summary", "body", "topics", "published_at")
TOPIC_SEPARATOR = "|"
TEXT_FIELDS = ("title", "summary", "body", "published_at")
ArticleTopic = Article.topics.through


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    line: int
    external_id: str
    title: str
    summary: str | None = None  # None: the source has no summaries; keep the article's own
    body: str | None = None
    topics: tuple[str, ...] | None = None
    published_at: datetime | None = None  # None: "now" for a new article, unchanged otherwise


def parse_article_row(row: CsvRow) -> ArticleRecord | RowError:
    fields = row.fields
    try:
        external_id = required_text(fields, "article_id", max_length=100)
        title = required_text(fields, "title", max_length=500)
        topics = fields.get("topics")
        published_at = fields.get("published_at", "").strip()
        published = parse_timestamp(published_at, column="published_at") if published_at else None
        return ArticleRecord(
            line=row.line,
            external_id=external_id,
            title=title,
            summary=_stripped(fields.get("summary")),
            body=_stripped(fields.get("body")),
            topics=None if topics is None else topic_names(topics.split(TOPIC_SEPARATOR)),
            published_at=published,
        )
    except RowInvalid as exc:
        return RowError(row.line, str(exc))


def _stripped(value: str | None) -> str | None:
    return None if value is None else value.strip()


def topic_names(names) -> tuple[str, ...]:
    """Distinct non-empty topic names, first spelling wins (topics match case-insensitively)."""
    seen: dict[str, str] = {}
    for name in names:
        name = limited(name.strip(), "topic name", max_length=100)
        if name:
            seen.setdefault(name.lower(), name)
    return tuple(seen.values())


class ArticleWriter:
    """Creates and updates articles in bulk: a handful of queries per batch, never per row."""

    def __init__(self):
        # Topics are few; knowing them all saves a lookup per topic name per batch.
        self._topic_ids = {name.lower(): pk for pk, name in Topic.objects.values_list("pk", "name")}

    def write(self, records: list, *, report: ImportReport, dry_run: bool) -> list[RowError]:
        if dry_run:  # nothing in an article row depends on the database
            return []
        now = timezone.now()
        self._create_topics(records, report)
        existing, topics_of = _existing({record.external_id for record in records})
        new: dict[str, Article] = {}
        new_topics: dict[str, set[int]] = {}
        changed: dict[str, Article] = {}
        retopic: set[int] = set()  # existing articles whose topics change
        for record in records:
            wanted_topics = self._topic_set(record.topics)
            if record.external_id in new or record.external_id in existing:
                # A new article met again in the same batch updates the pending row.
                is_new = record.external_id in new
                article = new.get(record.external_id) or existing[record.external_id]
                current = new_topics[record.external_id] if is_new else topics_of[article.pk]
                fields_changed = _apply(article, record)
                topics_changed = wanted_topics is not None and wanted_topics != current
                if topics_changed:
                    current.clear()
                    current.update(wanted_topics or ())
                if fields_changed or topics_changed:
                    report.updated += 1
                    if not is_new:
                        changed[record.external_id] = article
                        if topics_changed:
                            retopic.add(article.pk)
                else:
                    report.already_present += 1
            else:
                new[record.external_id] = _new_article(record, now)
                new_topics[record.external_id] = wanted_topics or set()
                report.created += 1
        self._insert(new, new_topics)
        self._update(changed, {pk: topics_of[pk] for pk in retopic}, now)
        return []

    def _create_topics(self, records: list, report: ImportReport) -> None:
        wanted: dict[str, str] = {}
        for record in records:
            for name in record.topics or ():
                if name.lower() not in self._topic_ids:
                    wanted.setdefault(name.lower(), name)
        if not wanted:
            return
        # Topics match by name case-insensitively, like services.topic_get_or_create, but a
        # catalogue brings hundreds of new topics: create them in one statement.
        slugs = allocate_slugs(Topic, list(wanted.values()), max_length=90)
        Topic.objects.bulk_create(
            [Topic(name=name, slug=slug) for name, slug in zip(wanted.values(), slugs, strict=True)]
        )
        self._topic_ids.update(
            (name.lower(), pk)
            for pk, name in Topic.objects.filter(name__in=wanted.values()).values_list("pk", "name")
        )
        report.related_created["topics"] += len(wanted)

    def _topic_set(self, names: tuple[str, ...] | None) -> set[int] | None:
        return None if names is None else {self._topic_ids[name.lower()] for name in names}

    def _insert(self, new: dict[str, Article], topics: dict[str, set[int]]) -> None:
        if not new:
            return
        for article, slug in zip(
            new.values(), allocate_slugs(Article, [a.title for a in new.values()]), strict=True
        ):
            article.slug = slug
        Article.objects.bulk_create(new.values())
        # Read the ids back instead of relying on bulk_create returning them (backend-dependent).
        ids = dict(
            Article.objects.filter(external_id__in=new.keys()).values_list("external_id", "pk")
        )
        ArticleTopic.objects.bulk_create(
            ArticleTopic(article_id=ids[external_id], topic_id=topic_id)
            for external_id, topic_ids in topics.items()
            for topic_id in topic_ids
        )

    def _update(self, changed: dict[str, Article], topics: dict[int, set[int]], now) -> None:
        if not changed:
            return
        for article in changed.values():
            article.updated_at = now  # bulk_update skips auto_now
        Article.objects.bulk_update(changed.values(), [*TEXT_FIELDS, "updated_at"])
        ArticleTopic.objects.filter(article_id__in=topics.keys()).delete()
        ArticleTopic.objects.bulk_create(
            ArticleTopic(article_id=article_id, topic_id=topic_id)
            for article_id, topic_ids in topics.items()
            for topic_id in topic_ids
        )


def _existing(external_ids: set[str]) -> tuple[dict[str, Article], dict[int, set[int]]]:
    """The articles with these external ids, and the topic ids of each (by article pk)."""
    existing = {
        str(article.external_id): article
        for article in Article.objects.filter(external_id__in=external_ids).only(
            "pk", "external_id", *TEXT_FIELDS
        )
    }
    topics_of: defaultdict[int, set[int]] = defaultdict(set)
    for article_id, topic_id in ArticleTopic.objects.filter(
        article_id__in=[article.pk for article in existing.values()]
    ).values_list("article_id", "topic_id"):
        topics_of[article_id].add(topic_id)
    return existing, topics_of


def _new_article(record: ArticleRecord, now: datetime) -> Article:
    return Article(
        external_id=record.external_id,
        title=record.title,
        summary=record.summary or "",
        body=record.body or "",
        status=Article.Status.PUBLISHED,
        published_at=record.published_at or now,
        created_at=now,
    )


def _apply(article: Article, record: ArticleRecord) -> bool:
    """Copy the record's known fields onto ``article``; whether anything changed."""
    changed = False
    for name in TEXT_FIELDS:
        value = getattr(record, name)
        if value is not None and getattr(article, name) != value:
            setattr(article, name, value)
            changed = True
    return changed


def allocate_slugs(model, texts: list[str], *, max_length: int = 200) -> list[str]:
    """A unique slug of ``model`` per text (as ``services.unique_slug`` makes them) with one
    query for the whole batch, plus one per text whose plain slug is already taken."""
    bases = [slugify(text)[:max_length].strip("-") or "item" for text in texts]
    taken = set(model.objects.filter(slug__in=set(bases)).values_list("slug", flat=True))
    slugs, looked_up = [], set()
    for base in bases:
        slug, n = base, 1
        if slug in taken and base not in looked_up:
            looked_up.add(base)
            taken.update(
                model.objects.filter(slug__startswith=f"{base}-").values_list("slug", flat=True)
            )
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        slugs.append(slug)
    return slugs


def import_articles_file(
    path: Path | str, *, strict: bool = False, progress: bool = False, batch_size: int = BATCH_SIZE
) -> ImportReport:
    """Import an articles CSV; raises ``HeaderError`` (nothing written) for a wrong header and,
    when ``strict``, ``StrictImportFailed`` (nothing written) if any row is bad."""
    source = CsvFile(path, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS)
    items = (parse_article_row(item) if isinstance(item, CsvRow) else item for item in source)
    return run_import_of(
        source,
        items,
        writer=ArticleWriter(),
        what="articles",
        progress=progress,
        strict=strict,
        batch_size=batch_size,
    )
