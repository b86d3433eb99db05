"""Article and search embeddings as workers write them (web processes read them as numpy
arrays: recommender.runtime.embeddings).

Storage, and why:

- ``ArticleEmbedding`` rows (the source of truth): one per article, float32 bytes plus
  ``text_hash`` = sha256(encoder id + title/summary text), so an unchanged article is never
  embedded twice. Workers write them: one article when it is published or its text changes
  (task ``recommender.embed_articles`` dispatched by the ``article_published`` receiver), all of
  them with ``manage.py embed_articles``.
- A *snapshot*: an ``encoder`` ModelVersion whose artifact directory holds ``embeddings.npy``
  (float32 (n, 384)) and ``article_ids.npy`` (int64 (n,)), memory-mapped by every web process
  (one copy in the page cache). ``embed_articles`` rebuilds it after bulk embedding, and the
  single-article task when many rows have accumulated since (SNAPSHOT_REBUILD_AFTER).
- Rows written after the snapshot (new or changed articles) are read from the database on top of
  it and override it; the cached ``rec:embeddings:stamp`` (their count and last update) tells a
  process when to re-read them, and each embed deletes it.
- Search texts are embedded by the worker too (web processes never load the encoder) and kept
  in the cache under their text hash: a search vector only steers a reader's content profile,
  so losing one costs little.

Everything that reads (recommender.runtime.embeddings) is numpy-only; everything here loads the
encoder (torch) lazily, once per worker process.
"""

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from articles.models import Article
from recommender.ml.artifacts import save_array, save_json, write_artifact_dir
from recommender.ml.text import article_text, text_hash

from ..models import ArticleEmbedding, ModelVersion
from ..privacy import LOCK
from ..runtime.embeddings import (
    DIM,
    ENCODER,
    STAMP_KEY,
    current_encoder_id,
    encoder,
    recent_search_texts,
    search_key,
    vector_from_bytes,
    vector_to_bytes,
)
from .ann import snapshot_index_write
from .lifecycle import model_versions_prune
from .locks import LockHeld, cache_lock
from .registry import model_version_activate

logger = logging.getLogger(__name__)

SEARCH_TTL_SECONDS = 30 * 24 * 60 * 60
SNAPSHOT_LOCK_KEY = LOCK.key(name="embedding-snapshot")
SNAPSHOT_LOCK_SECONDS = 10 * 60
# Rows beyond the snapshot are re-read by every web process after each embed: past this many,
# the single-article task folds them into a new snapshot instead.
SNAPSHOT_REBUILD_AFTER = 500
ENCODE_CHUNK = 1024  # texts per encoder call in bulk runs (and rows per database write)


# ----------------------------------------------------------------------------------- writing


def articles_embed(
    *,
    article_ids: Iterable[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
    rebuild_snapshot: bool = True,
) -> dict:
    """Embed the published articles among ``article_ids`` (all published ones when None)
    whose text or encoder changed since their stored embedding.

    Returns {"articles": considered, "embedded": encoded now, "unchanged": skipped}.
    ``progress(done, total)`` is called as the texts to encode are encoded.
    ``rebuild_snapshot``: afterwards write a new snapshot if anything is newer than the current
    one; without it (a single article, the worker's path) only once rows beyond the snapshot
    reach SNAPSHOT_REBUILD_AFTER.
    """
    model = encoder()
    queryset = Article.objects.filter(status=Article.Status.PUBLISHED).order_by("pk")
    if article_ids is not None:
        queryset = queryset.filter(pk__in=list(article_ids))
    rows = list(queryset.values_list("pk", "title", "summary"))
    stored = dict(
        ArticleEmbedding.objects.filter(article_id__in=[pk for pk, _, _ in rows]).values_list(
            "article_id", "text_hash"
        )
    )
    todo = []
    for pk, title, summary in rows:
        text = article_text(title, summary)
        digest = text_hash(model.id, text)
        if stored.get(pk) != digest:
            todo.append((pk, text, digest))
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, len(todo))

    for start in range(0, len(todo), ENCODE_CHUNK):
        chunk = todo[start : start + ENCODE_CHUNK]
        vectors = model.encode([text for _, text, _ in chunk], progress=advance)
        _store(model, chunk, vectors)
    if todo:
        transaction.on_commit(lambda: cache.delete(STAMP_KEY))
    counts = {"articles": len(rows), "embedded": len(todo), "unchanged": len(rows) - len(todo)}
    newer = _rows_since_snapshot()
    if newer >= (1 if rebuild_snapshot else SNAPSHOT_REBUILD_AFTER):
        embedding_snapshot_build()
    return counts


def _store(model, chunk, vectors: np.ndarray) -> None:
    now = timezone.now()
    objects = [
        ArticleEmbedding(
            article_id=pk,
            encoder=model.id,
            text_hash=digest,
            dim=model.dim,
            vector=vector_to_bytes(vector),
            updated_at=now,
        )
        for (pk, _, digest), vector in zip(chunk, vectors, strict=True)
    ]
    # One statement per chunk whichever way each row goes (new article or changed text).
    ArticleEmbedding.objects.bulk_create(
        objects,
        update_conflicts=True,
        unique_fields=["article"],
        update_fields=["encoder", "text_hash", "dim", "vector", "updated_at"],
    )


def searches_embed(*, user_id: int, limit: int | None = None) -> int:
    """Embed ``user_id``'s recent searches not embedded yet (cache); returns how many were."""
    model = encoder()
    texts = recent_search_texts(user_id=user_id, limit=limit)
    keys = {text: search_key(model.id, text) for text in texts}
    present = cache.get_many(list(keys.values()))
    missing = [text for text, key in keys.items() if key not in present]
    if missing:
        vectors = model.encode(missing)
        cache.set_many(
            {keys[text]: vector_to_bytes(v) for text, v in zip(missing, vectors, strict=True)},
            timeout=SEARCH_TTL_SECONDS,
        )
    return len(missing)


def article_vectors(*, article_ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(bool (n,) has an embedding, float32 (n, d) vectors, zero rows where not) of the current
    encoder, aligned with ``article_ids``: what training reads (the database, not a snapshot)."""
    row_of = {article_id: row for row, article_id in enumerate(article_ids)}
    encoder_id = current_encoder_id()
    rows = ArticleEmbedding.objects.filter(encoder=encoder_id or "")
    dim = rows.values_list("dim", flat=True).first() or DIM
    has = np.zeros(len(article_ids), dtype=bool)
    vectors = np.zeros((len(article_ids), dim), dtype=np.float32)
    for article_id, data in rows.values_list("article_id", "vector").iterator(chunk_size=5000):
        row = row_of.get(article_id)
        if row is not None:
            has[row] = True
            vectors[row] = vector_from_bytes(data)
    return has, vectors


# ---------------------------------------------------------------------------------- snapshots


def embedding_snapshot_build() -> ModelVersion | None:
    """Write every stored embedding of the current encoder into a new, active ``encoder``
    version (memory-mapped by web processes). None if another build is running or there is
    nothing to write."""
    try:
        with cache_lock(SNAPSHOT_LOCK_KEY, timeout=SNAPSHOT_LOCK_SECONDS):
            return _snapshot_build()
    except LockHeld:
        logger.info("Embedding snapshot skipped: another build is running.")
        return None


def _snapshot_build() -> ModelVersion | None:
    encoder_id = current_encoder_id()
    if encoder_id is None:
        return None
    # Rows written from now on belong to the next snapshot's overlay, so "now" is taken first.
    started = timezone.now()
    rows = ArticleEmbedding.objects.filter(encoder=encoder_id).order_by("article_id")
    ids, vectors = [], []
    for article_id, data in rows.values_list("article_id", "vector").iterator(chunk_size=5000):
        ids.append(article_id)
        vectors.append(vector_from_bytes(data))
    article_ids = np.asarray(ids, dtype=np.int64)
    matrix = np.stack(vectors) if vectors else np.zeros((0, DIM), dtype=np.float32)
    version = ModelVersion.objects.create(
        kind=ENCODER,
        status=ModelVersion.Status.TRAINING,
        params={"encoder": encoder_id, "dim": int(matrix.shape[1])},
        data_counts={"articles": len(ids)},
        created_at=started,
    )

    def write(directory: Path) -> None:
        save_array(directory / "embeddings.npy", matrix)
        save_array(directory / "article_ids.npy", article_ids)
        snapshot_index_write(directory=directory, vectors=matrix)
        save_json(directory / "snapshot.json", {"encoder": encoder_id, "taken_at": str(started)})

    root = Path(settings.RECSITE_ARTIFACT_DIR) / ENCODER
    directory = write_artifact_dir(root, f"v{version.pk}-{started:%Y%m%d%H%M%S}", write)
    version.artifact_path = str(directory.relative_to(settings.RECSITE_ARTIFACT_DIR))
    version.status = ModelVersion.Status.READY
    version.train_seconds = (timezone.now() - started).total_seconds()
    version.save()
    version = model_version_activate(
        version=version, note=f"Embedding snapshot of {len(ids)} articles."
    )
    model_versions_prune(kind=ENCODER)
    transaction.on_commit(lambda: cache.delete(STAMP_KEY))
    return version


def _rows_since_snapshot() -> int:
    snapshot = ModelVersion.objects.filter(kind=ENCODER, status=ModelVersion.Status.ACTIVE).first()
    queryset = ArticleEmbedding.objects.all()
    if snapshot is not None:
        queryset = queryset.filter(updated_at__gte=snapshot.created_at)
    return queryset.count()
