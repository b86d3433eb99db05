"""Synthetic but realistic data at 1x, 10x and 100x citeulike-a, written straight into
PostgreSQL with COPY (benchmarks/scale.py calls ``generate``; it can also run alone).

- Articles: the demo's 12 topics and vocabulary (articles.demo): a title from the demo's
  templates, a fact of the topic as summary, published over the last two years.
- Popularity follows a Zipf law (exponent 1.0) over a random order of the catalogue, and each
  reader's activity a Zipf-like law too (a few heavy readers, most with a handful of reads),
  scaled so that readers x mean activity matches the size's interaction count.
- Readers have one to three favourite topics and read within them 85 % of the time, by
  popularity within the topic; events are mostly reads, with likes, bookmarks and shares.
- Readers are created with unusable passwords (``!``): no hashing, which alone would take hours
  at 555k readers.
- Text vectors are synthetic at every size: a unit vector per topic plus one per subject plus
  noise, normalised (384 dimensions, like the default encoder's), so that text carries the
  topic as real embeddings do. The real encoder's cost is measured by benchmarks/scale.py on a
  sample of the generated texts and extrapolated.

Everything streams in chunks: at 100x no list of 20M Python rows is ever built.

    .venv/bin/python benchmarks/scale_data.py --size 1x --database recsite_scale_1x
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from articles.demo.vocabulary import TOPICS  # noqa: E402
from articles.demo.vocabulary.templates import TITLES  # noqa: E402

# citeulike-a: articles, readers, interactions.
BASE = (16_980, 5_551, 204_986)
SIZES = {"1x": 1, "10x": 10, "100x": 100}
ENCODER = "synthetic-topic-vectors-384"
DIM = 384
SEED = 13
CHUNK_READERS = 20_000
FAVOURITE_SHARE = 0.85
DRAWS_PER_PAIR = 1.45
EVENTS = (("read", 0.8), ("like", 0.1), ("bookmark", 0.07), ("share", 0.03))


def counts(size: str) -> tuple[int, int, int]:
    factor = SIZES[size]
    return tuple(value * factor for value in BASE)  # type: ignore[return-value]


def _copy(cursor, table: str, columns: list[str], rows) -> int:
    """COPY ``rows`` (tuples) into ``table``; returns how many."""
    written = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            written += 1
    return written


def _vectors(topic_of: np.ndarray, subject_of: np.ndarray, rng) -> np.ndarray:
    topics = rng.standard_normal((len(TOPICS), DIM)).astype(np.float32)
    subjects = rng.standard_normal((len(TOPICS) * 32, DIM)).astype(np.float32)
    noise = rng.standard_normal((len(topic_of), DIM)).astype(np.float32)
    vectors = 1.0 * topics[topic_of] + 0.6 * subjects[topic_of * 32 + subject_of] + 0.5 * noise
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def generate(connection, size: str, *, log=print) -> dict:
    """Write the size's topics, articles, embeddings, readers and interactions into the
    (migrated, empty) database of ``connection`` (psycopg 3). Returns counts and seconds."""
    n_articles, n_readers, n_interactions = counts(size)
    rng = np.random.default_rng(SEED)
    now = datetime.now(UTC)
    timings: dict[str, float] = {}
    cursor = connection.cursor()
    started = time.perf_counter()

    topic_ids = list(range(1, len(TOPICS) + 1))
    _copy(
        cursor,
        "articles_topic",
        ["id", "name", "slug", "description"],
        (
            (pk, vocabulary.name, vocabulary.name.lower().replace(" ", "-"), vocabulary.description)
            for pk, vocabulary in zip(topic_ids, TOPICS, strict=True)
        ),
    )
    topic_of = rng.integers(0, len(TOPICS), n_articles)
    subject_of = rng.integers(0, 32, n_articles)
    ages = rng.uniform(0, 730, n_articles)

    def articles():
        for pk in range(1, n_articles + 1):
            vocabulary = TOPICS[topic_of[pk - 1]]
            subject = vocabulary.subjects[subject_of[pk - 1] % len(vocabulary.subjects)]
            context = vocabulary.contexts[pk % len(vocabulary.contexts)]
            title = TITLES[pk % len(TITLES)].format(
                subject=subject, Subject=subject.capitalize(), context=context
            )
            summary = vocabulary.facts[pk % len(vocabulary.facts)]
            published = now - timedelta(days=float(ages[pk - 1]))
            yield (pk, title, f"scale-{pk}", summary, "", "published", published, published, now)

    columns = ["id", "title", "slug", "summary", "body", "status", "published_at"]
    _copy(cursor, "articles_article", [*columns, "created_at", "updated_at"], articles())
    _copy(
        cursor,
        "articles_article_topics",
        ["article_id", "topic_id"],
        ((pk, topic_ids[topic_of[pk - 1]]) for pk in range(1, n_articles + 1)),
    )
    timings["articles_seconds"] = time.perf_counter() - started
    log(f"{n_articles} articles in {timings['articles_seconds']:.1f} s")

    started = time.perf_counter()
    vector_rng = np.random.default_rng(SEED + 1)
    for start in range(0, n_articles, 50_000):
        stop = min(start + 50_000, n_articles)
        block = _vectors(topic_of[start:stop], subject_of[start:stop], vector_rng)
        _copy(
            cursor,
            "recommender_articleembedding",
            ["article_id", "encoder", "text_hash", "dim", "vector", "updated_at"],
            (
                (
                    start + row + 1,
                    ENCODER,
                    hashlib.sha256(vector.tobytes()).hexdigest(),
                    DIM,
                    vector.astype("<f4").tobytes(),
                    now,
                )
                for row, vector in enumerate(block)
            ),
        )
    timings["synthetic_embeddings_seconds"] = time.perf_counter() - started

    started = time.perf_counter()
    _copy(
        cursor,
        "auth_user",
        [
            "id",
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
        ],
        (
            (pk, "!", False, f"scale.u{pk}", "", "", "", False, True, now)
            for pk in range(1, n_readers + 1)
        ),
    )
    for table in ("articles_topic", "articles_article", "articles_article_topics", "auth_user"):
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )
    timings["readers_seconds"] = time.perf_counter() - started

    # Popularity: Zipf over a random order; within each topic, the cumulative distribution.
    started = time.perf_counter()
    rank = rng.permutation(n_articles) + 1
    popularity = 1.0 / rank.astype(np.float64)
    by_topic = [np.flatnonzero(topic_of == topic) for topic in range(len(TOPICS))]
    cdf_of = [np.cumsum(popularity[items]) / popularity[items].sum() for items in by_topic]
    activity = 1.0 / np.arange(1, n_readers + 1) ** 0.7
    # Repeated draws of one article collapse into one pair: draw that much more (measured).
    draws = n_interactions * DRAWS_PER_PAIR
    activity = np.maximum(1, np.round(activity / activity.sum() * draws)).astype(int)
    rng.shuffle(activity)
    event_names = [name for name, _ in EVENTS]
    event_p = [share for _, share in EVENTS]
    written = 0
    for first in range(0, n_readers, CHUNK_READERS):
        readers = np.arange(first, min(first + CHUNK_READERS, n_readers))
        reads = activity[readers]
        reader_of = np.repeat(readers, reads)
        favourites = rng.integers(0, len(TOPICS), (len(readers), 3))
        n_favourites = rng.integers(1, 4, len(readers))
        pick = (rng.random(len(reader_of)) * n_favourites[reader_of - first]).astype(int)
        topic = favourites[reader_of - first, pick]
        strays = rng.random(len(reader_of)) > FAVOURITE_SHARE
        topic[strays] = rng.integers(0, len(TOPICS), strays.sum())
        article = np.zeros(len(reader_of), dtype=np.int64)
        for t in range(len(TOPICS)):
            mine = topic == t
            where = np.searchsorted(cdf_of[t], rng.random(mine.sum()))
            article[mine] = by_topic[t][np.minimum(where, len(by_topic[t]) - 1)]
        pairs = np.unique(np.stack([reader_of, article], axis=1), axis=0)
        events = rng.choice(len(EVENTS), len(pairs), p=event_p)
        # Reads happen after publication, within the last 180 days.
        days = np.minimum(rng.uniform(0, 180, len(pairs)), ages[pairs[:, 1]])
        written += _copy(
            cursor,
            "articles_interaction",
            ["user_id", "article_id", "event", "source", "created_at"],
            (
                (
                    int(user) + 1,
                    int(item) + 1,
                    event_names[event],
                    "import",
                    now - timedelta(days=float(day)),
                )
                for (user, item), event, day in zip(pairs, events, days, strict=True)
            ),
        )
        connection.commit()
        log(f"  {written} interactions ({readers[-1] + 1}/{n_readers} readers)")
    timings["interactions_seconds"] = time.perf_counter() - started
    connection.commit()
    # As autovacuum would after a bulk load: the planner's statistics of the new rows.
    cursor.execute("ANALYZE")
    connection.commit()
    return {
        "articles": n_articles,
        "readers": n_readers,
        "interactions": written,
        "embeddings": f"synthetic ({ENCODER})",
        **{name: round(value, 2) for name, value in timings.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), required=True)
    parser.add_argument("--database", required=True)
    args = parser.parse_args()
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{args.database}") as conn:
        print(generate(conn, args.size))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
