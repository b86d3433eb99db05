import tracemalloc

import pytest

from articles.importers.interactions import import_interactions_file
from articles.models import Article, Interaction

ROWS = 100_000
# Streaming keeps one batch (2,000 rows) in memory: about 2 MiB at peak. The file below is about
# 5.7 MiB, so reading it whole, or holding its rows (tens of MiB as Python objects), fails this.
PEAK_BOUND = 4 * 1024 * 1024


@pytest.mark.slow
@pytest.mark.django_db
def test_a_100k_row_file_is_imported_in_constant_memory(tmp_path):
    # given
    Article.objects.bulk_create(
        Article(title=f"Article {n}", slug=f"article-{n}", external_id=f"article-{n:05d}")
        for n in range(200)
    )
    path = tmp_path / "interactions.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("user_id,article_id,event,value,timestamp\n")
        for n in range(ROWS):
            handle.write(
                f"reader-{n % 2000:06d},article-{n % 200:05d},view,,"
                f"2024-05-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:{n // 60 % 60:02d}+00:00\n"
            )
    assert path.stat().st_size > 5.5 * 1024 * 1024

    # when
    tracemalloc.start()
    try:
        report = import_interactions_file(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # then
    assert (report.read, report.created, report.bad) == (ROWS, ROWS, 0)
    assert Interaction.objects.count() == ROWS
    assert peak < PEAK_BOUND, f"peak {peak / 2**20:.1f} MiB"
