"""Article and search embeddings: written by workers, read by web processes as numpy arrays.

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

Everything that reads (``embedding_index``, ``search_vectors``) is numpy-only; everything that
writes loads the encoder (torch) lazily, once per worker process.
"""

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from articles.models import Article, SearchQuery
from recommender.ml.artifacts import (
    load_array,
    load_json,
    save_array,
    save_json,
    write_artifact_dir,
)
from recommender.ml.text import article_text, get_encoder, text_hash

from ..models import ArticleEmbedding, ModelVersion
from ..privacy import EMBEDDINGS_STAMP, LOCK, SEARCH
from . import lists
from .loading import artifact_directory
from .locks import LockHeld, cache_lock
from .registry import model_version_activate

logger = logging.getLogger(__name__)

ENCODER = ModelVersion.Kind.ENCODER
DIM = 384
STAMP_KEY = EMBEDDINGS_STAMP.key()
# Other processes' local-memory caches miss the delete; the timeout bounds their staleness.
STAMP_TTL_SECONDS = 60
SEARCH_TTL_SECONDS = 30 * 24 * 60 * 60
SNAPSHOT_LOCK_KEY = LOCK.key(name="embedding-snapshot")
SNAPSHOT_LOCK_SECONDS = 10 * 60
# Rows beyond the snapshot are re-read by every web process after each embed: past this many,
# the single-article task folds them into a new snapshot instead.
SNAPSHOT_REBUILD_AFTER = 500
ENCODE_CHUNK = 1024  # texts per encoder call in bulk runs (and rows per database write)


def encoder():
    """The configured text encoder (settings.RECSITE_TEXT_ENCODER or the packaged default),
    loaded once per process. Workers and commands only: this imports torch."""
    return get_encoder(
        settings.RECSITE_TEXT_ENCODER or None, threads=settings.RECSITE_ENCODER_THREADS
    )


def vector_to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def vector_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<f4").astype(np.float32)


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
    keys = {text: _search_key(model.id, text) for text in texts}
    present = cache.get_many(list(keys.values()))
    missing = [text for text, key in keys.items() if key not in present]
    if missing:
        vectors = model.encode(missing)
        cache.set_many(
            {keys[text]: vector_to_bytes(v) for text, v in zip(missing, vectors, strict=True)},
            timeout=SEARCH_TTL_SECONDS,
        )
    return len(missing)


def recent_search_texts(*, user_id: int, limit: int | None = None) -> list[str]:
    """The reader's distinct recent search texts, newest first."""
    limit = limit or settings.RECSITE_CONTENT_SEARCHES
    texts = (
        SearchQuery.objects.filter(user_id=user_id)
        .order_by("-created_at", "-id")
        .values_list("text", flat=True)[: 4 * limit]
    )
    return list(dict.fromkeys(" ".join(text.split()).lower() for text in texts))[:limit]


def _search_key(encoder_id: str, text: str) -> str:
    return SEARCH.key(digest=text_hash(encoder_id, text))


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
    # Imported here: training imports this module's readers (the adapter needs embeddings).
    from .training import model_versions_prune

    model_versions_prune(kind=ENCODER)
    transaction.on_commit(lambda: cache.delete(STAMP_KEY))
    return version


def current_encoder_id() -> str | None:
    """The encoder of the newest stored embedding (what workers are writing now)."""
    return (
        ArticleEmbedding.objects.order_by("-updated_at", "-article_id")
        .values_list("encoder", flat=True)
        .first()
    )


def _rows_since_snapshot() -> int:
    snapshot = ModelVersion.objects.filter(kind=ENCODER, status=ModelVersion.Status.ACTIVE).first()
    queryset = ArticleEmbedding.objects.all()
    if snapshot is not None:
        queryset = queryset.filter(updated_at__gte=snapshot.created_at)
    return queryset.count()


# ----------------------------------------------------------------------------------- reading


class EmbeddingIndex:
    """All article embeddings a process can score against: the snapshot (memory-mapped) plus
    the rows written since (which replace the snapshot's rows of the same articles).

    ``article_ids`` int64 (n,) and rows of ``scores``/``scores_many`` align; replaced snapshot
    rows score -inf. ``encoder`` names the encoder that produced the vectors; ``stamp`` changes
    whenever the index does (a key for what is derived from it).
    """

    def __init__(self, encoder: str, base_ids, base_vectors, extra_ids, extra_vectors) -> None:
        self.encoder = encoder
        self.stamp: tuple = ()
        extra_vectors = np.asarray(extra_vectors, dtype=np.float32)
        dim = np.shape(base_vectors)[1] if len(base_ids) else extra_vectors.shape[-1]
        # Kept as given: the snapshot's memory map, shared by all processes through the page cache.
        self._base = base_vectors if len(base_ids) else np.zeros((0, dim), "f4")
        self._extra = extra_vectors.reshape(-1, dim)
        self.article_ids = np.concatenate(
            [np.asarray(base_ids, dtype=np.int64), np.asarray(extra_ids, dtype=np.int64)]
        )
        stale = np.isin(np.asarray(base_ids, dtype=np.int64), np.asarray(extra_ids, np.int64))
        self._stale = np.flatnonzero(stale)
        self.row_of = {
            article_id: row
            for row, article_id in enumerate(self.article_ids.tolist())
            if not (row < len(stale) and stale[row])
        }

    def __len__(self) -> int:
        return len(self.row_of)

    @property
    def memory_mapped(self) -> bool:
        return isinstance(self._base, np.memmap)

    @property
    def dim(self) -> int:
        return int(self._base.shape[1])

    def vectors_of(self, article_ids: Iterable[int]) -> tuple[list[int], np.ndarray]:
        """(the ids among ``article_ids`` that have an embedding, float32 (m, d) vectors)."""
        found = [article_id for article_id in article_ids if article_id in self.row_of]
        rows = [self.row_of[article_id] for article_id in found]
        n_base = len(self._base)
        vectors = np.zeros((len(rows), self.dim), dtype=np.float32)
        for out, row in enumerate(rows):
            vectors[out] = self._base[row] if row < n_base else self._extra[row - n_base]
        return found, vectors

    def scores_many(self, queries: np.ndarray) -> np.ndarray:
        """float32 (k, n): dot products of queries float32 (k, d) with every row (cosines for
        unit queries)."""
        queries = np.asarray(queries, dtype=np.float32)
        scores = np.concatenate([queries @ self._base.T, queries @ self._extra.T], axis=1)
        scores[:, self._stale] = -np.inf
        return scores.astype(np.float32, copy=False)

    def scores(self, query: np.ndarray) -> np.ndarray:
        return self.scores_many(np.asarray(query)[None, :])[0]


@dataclass(frozen=True)
class _Snapshot:
    version_id: int
    encoder: str
    taken_at: object  # datetime
    article_ids: np.ndarray
    vectors: np.ndarray


_lock = threading.Lock()
_index: dict[tuple, EmbeddingIndex] = {}


def embedding_index() -> EmbeddingIndex | None:
    """The process's index of article embeddings (None when there are none at all). Costs one
    cache read when nothing changed; numpy only."""
    snapshot_ref = lists.active_version(kind=ENCODER)
    stamp = cache.get(STAMP_KEY)
    if stamp is None or stamp[0] != (snapshot_ref.id if snapshot_ref else 0):
        stamp = _stamp(snapshot_ref)
        cache.set(STAMP_KEY, stamp, timeout=STAMP_TTL_SECONDS)
    with _lock:
        if stamp not in _index:
            index = _build_index(snapshot_ref)
            if index is not None:
                index.stamp = stamp
            _index.clear()  # one index per process: the current one
            _index[stamp] = index
        return _index[stamp]


def _stamp(snapshot_ref) -> tuple:
    """(snapshot id, rows since it, last update): changes whenever a row is written."""
    snapshot = _load_snapshot(snapshot_ref)
    rows = _overlay_rows(snapshot)
    summary = rows.aggregate(n=Count("pk"), last=Max("updated_at"))
    last = summary["last"].isoformat() if summary["last"] else ""
    return (snapshot.version_id if snapshot else 0, summary["n"], last)


def _overlay_rows(snapshot: _Snapshot | None):
    if snapshot is None:
        encoder_id = current_encoder_id()
        return ArticleEmbedding.objects.filter(encoder=encoder_id or "")
    return ArticleEmbedding.objects.filter(
        encoder=snapshot.encoder, updated_at__gte=snapshot.taken_at
    )


_snapshots: dict[tuple, _Snapshot] = {}


def _load_snapshot(snapshot_ref) -> _Snapshot | None:
    if snapshot_ref is None:
        return None
    directory = artifact_directory(snapshot_ref.artifact_path)
    key = (snapshot_ref.id, str(directory))
    if key not in _snapshots:
        try:
            meta = load_json(directory / "snapshot.json")
            snapshot = _Snapshot(
                version_id=snapshot_ref.id,
                encoder=meta["encoder"],
                taken_at=ModelVersion.objects.get(pk=snapshot_ref.id).created_at,
                article_ids=load_array(directory / "article_ids.npy", mmap=True),
                vectors=load_array(directory / "embeddings.npy", mmap=True),
            )
        except (OSError, ValueError, KeyError, ModelVersion.DoesNotExist):
            logger.exception("Cannot load embedding snapshot %s", directory)
            return None
        _snapshots.clear()
        _snapshots[key] = snapshot
    return _snapshots[key]


def _build_index(snapshot_ref) -> EmbeddingIndex | None:
    snapshot = _load_snapshot(snapshot_ref)
    overlay = list(_overlay_rows(snapshot).values_list("article_id", "vector", "encoder"))
    if snapshot is None and not overlay:
        return None
    extra_ids = [article_id for article_id, _, _ in overlay]
    extra = [vector_from_bytes(data) for _, data, _ in overlay]
    if snapshot is None:
        return EmbeddingIndex(overlay[0][2], [], None, extra_ids, extra)
    return EmbeddingIndex(
        snapshot.encoder, snapshot.article_ids, snapshot.vectors, extra_ids, extra
    )


def search_vectors(*, index: EmbeddingIndex, user_id: int) -> np.ndarray:
    """float32 (k, d): the embedded ones of the reader's recent searches (cache only)."""
    texts = recent_search_texts(user_id=user_id)
    keys = [_search_key(index.encoder, text) for text in texts]
    found = cache.get_many(keys)
    vectors = [vector_from_bytes(found[key]) for key in keys if key in found]
    return np.stack(vectors) if vectors else np.zeros((0, index.dim), dtype=np.float32)
