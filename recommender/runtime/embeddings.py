"""Article and search embeddings as processes read them: numpy arrays, no torch.

recommender.training.embeddings writes them (see its docstring for the storage and why): the
``ArticleEmbedding`` rows, the memory-mapped snapshot (an ``encoder`` ModelVersion) and the
search vectors in the cache. Here: the index a process scores against (the snapshot plus the
rows written since, re-read when the cached ``rec:embeddings:stamp`` changes), the reader's
search vectors, and the text encoder itself, which workers load lazily (it imports torch).
"""

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max

from articles.models import SearchQuery
from recommender.ml.ann import EMBEDDINGS_INDEX, InnerProductIndex
from recommender.ml.artifacts import load_array, load_json
from recommender.ml.base import top_n
from recommender.ml.text import TextEncoder, get_encoder, text_hash

from ..cache import lists
from ..models import ArticleEmbedding, ModelVersion
from ..privacy import EMBEDDINGS_STAMP, SEARCH
from .artifacts import artifact_directory

logger = logging.getLogger(__name__)

ENCODER = ModelVersion.Kind.ENCODER
DIM = 384
STAMP_KEY = EMBEDDINGS_STAMP.key()
# Other processes' local-memory caches miss the delete; the timeout bounds their staleness.
STAMP_TTL_SECONDS = 60


def encoder() -> TextEncoder:
    """The configured text encoder (settings.RECSITE_TEXT_ENCODER or the packaged default),
    loaded once per process. Workers and commands only: this imports torch."""
    return get_encoder(
        settings.RECSITE_TEXT_ENCODER or None, threads=settings.RECSITE_ENCODER_THREADS
    )


def vector_to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def vector_from_bytes(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<f4").astype(np.float32)


def recent_search_texts(*, user_id: int, limit: int | None = None) -> list[str]:
    """The reader's distinct recent search texts, newest first."""
    limit = limit or settings.RECSITE_CONTENT_SEARCHES
    texts = (
        SearchQuery.objects.filter(user_id=user_id)
        .order_by("-created_at", "-id")
        .values_list("text", flat=True)[: 4 * limit]
    )
    return list(dict.fromkeys(" ".join(text.split()).lower() for text in texts))[:limit]


def search_key(encoder_id: str, text: str) -> str:
    return SEARCH.key(digest=text_hash(encoder_id, text))


def current_encoder_id() -> str | None:
    """The encoder of the newest stored embedding (what workers are writing now)."""
    return (
        ArticleEmbedding.objects.order_by("-updated_at", "-article_id")
        .values_list("encoder", flat=True)
        .first()
    )


# ----------------------------------------------------------------------------------- reading


class EmbeddingIndex:
    """All article embeddings a process can score against: the snapshot (memory-mapped) plus
    the rows written since (which replace the snapshot's rows of the same articles).

    ``article_ids`` int64 (n,) and rows of ``scores``/``scores_many`` align; replaced snapshot
    rows score -inf. ``encoder`` names the encoder that produced the vectors; ``stamp`` changes
    whenever the index does (a key for what is derived from it).
    """

    def __init__(
        self,
        encoder: str,
        base_ids: Sequence[int] | np.ndarray,
        base_vectors: np.ndarray,
        extra_ids: Sequence[int] | np.ndarray,
        extra_vectors: Sequence[np.ndarray] | np.ndarray,
        ann: InnerProductIndex | None = None,
    ) -> None:
        self.encoder = encoder
        self.stamp: tuple = ()
        # The snapshot's nearest-neighbour index, for large catalogues (``top``).
        self.ann = ann
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

    def vectors_at(self, rows: np.ndarray) -> np.ndarray:
        """float32 (m, d): the vectors of the index rows ``rows`` int64 (m,)."""
        rows = np.asarray(rows, dtype=np.int64)
        n_base = len(self._base)
        vectors = np.zeros((len(rows), self.dim), dtype=np.float32)
        in_base = rows < n_base
        vectors[in_base] = self._base[rows[in_base]]
        vectors[~in_base] = self._extra[rows[~in_base] - n_base]
        return vectors

    def scores_many(self, queries: np.ndarray) -> np.ndarray:
        """float32 (k, n): dot products of queries float32 (k, d) with every row (cosines for
        unit queries)."""
        queries = np.asarray(queries, dtype=np.float32)
        scores = np.concatenate([queries @ self._base.T, queries @ self._extra.T], axis=1)
        scores[:, self._stale] = -np.inf
        return scores.astype(np.float32, copy=False)

    def scores(self, query: np.ndarray) -> np.ndarray:
        return self.scores_many(np.asarray(query)[None, :])[0]

    def top(
        self, query: np.ndarray, n: int, exclude_rows: Sequence[int]
    ) -> tuple[np.ndarray, np.ndarray]:
        """(rows int64, float32 dot products) of the ``n`` best rows for float32 (d,)
        ``query``, best first, never ``exclude_rows``: from the snapshot's index and the rows
        written since when the snapshot has an index (a large catalogue), else by scoring
        every row."""
        if self.ann is None:
            scores = self.scores(query)
            scores[list(exclude_rows)] = -np.inf
            best = top_n(scores, n)
            return best, scores[best]
        skip = np.union1d(np.asarray(exclude_rows, dtype=np.int64), self._stale)
        rows, scores = self.ann.search(query, n + len(skip))
        extra = np.asarray(self._extra @ np.asarray(query, dtype=np.float32), dtype=np.float32)
        rows = np.concatenate([rows, len(self._base) + np.arange(len(extra))])
        scores = np.concatenate([scores, extra])
        keep = ~np.isin(rows, skip)
        rows, scores = rows[keep], scores[keep]
        best = top_n(scores, n)
        return rows[best], scores[best]


@dataclass(frozen=True)
class _Snapshot:
    version_id: int
    encoder: str
    taken_at: object  # datetime
    article_ids: np.ndarray
    vectors: np.ndarray
    ann: InnerProductIndex | None  # written with the snapshot of a large catalogue


_lock = threading.Lock()
_index: dict[tuple, EmbeddingIndex | None] = {}


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
    """(snapshot id, when it was taken, rows since it, last update): changes whenever a row is
    written. The time tells apart two snapshots with one id (a database restored from a backup,
    or each test's rolled-back database) that a long-lived process would otherwise mistake for
    the index it holds."""
    snapshot = _load_snapshot(snapshot_ref)
    rows = _overlay_rows(snapshot)
    summary = rows.aggregate(n=Count("pk"), last=Max("updated_at"))
    last = summary["last"].isoformat() if summary["last"] else ""
    if snapshot is None:
        return (0, "", summary["n"], last)
    return (snapshot.version_id, str(snapshot.taken_at), summary["n"], last)


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
                ann=(
                    InnerProductIndex.load(directory, EMBEDDINGS_INDEX)
                    if InnerProductIndex.exists(directory, EMBEDDINGS_INDEX)
                    else None
                ),
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
        no_snapshot = np.zeros((0, 0), np.float32)  # EmbeddingIndex sizes it from the overlay
        return EmbeddingIndex(overlay[0][2], [], no_snapshot, extra_ids, extra)
    large = len(snapshot.article_ids) >= settings.RECSITE_ANN_MIN_ARTICLES
    return EmbeddingIndex(
        snapshot.encoder,
        snapshot.article_ids,
        snapshot.vectors,
        extra_ids,
        extra,
        ann=snapshot.ann if large else None,
    )


def search_vectors(*, index: EmbeddingIndex, user_id: int) -> np.ndarray:
    """float32 (k, d): the embedded ones of the reader's recent searches (cache only)."""
    texts = recent_search_texts(user_id=user_id)
    keys = [search_key(index.encoder, text) for text in texts]
    found = cache.get_many(keys)
    vectors = [vector_from_bytes(found[key]) for key in keys if key in found]
    return np.stack(vectors) if vectors else np.zeros((0, index.dim), dtype=np.float32)
