"""The MovieLens 100K reader, on files in the published format."""

import pytest

from recommender.ml.datasets import DatasetError, read_movielens


@pytest.fixture
def movielens(tmp_path):
    (tmp_path / "u.genre").write_text("unknown|0\nComedy|1\nDrama|2\n\n")
    (tmp_path / "u.item").write_bytes(
        "1|Toy Story (1995)|01-Jan-1995||http://x|0|1|0\n"
        "2|Am\xe9lie (2001)|01-Jan-2001||http://y|0|1|1\n".encode("latin-1")
    )
    (tmp_path / "u.data").write_text("7\t1\t5\t881250949\n7\t2\t1\t881250950\n8\t2\t3\t881250951\n")
    return tmp_path


def test_every_rating_is_a_read_at_its_time_and_genres_are_the_summary(movielens):
    dataset = read_movielens(movielens)

    assert dataset.articles == [
        {"article_id": "1", "title": "Toy Story (1995)", "summary": "Comedy"},
        {"article_id": "2", "title": "Amélie (2001)", "summary": "Comedy, Drama"},
    ]
    assert dataset.interactions[1] == ("7", "2", "read", None, 881250950.0)
    assert dataset.matrix().positives.nnz == 3


def test_a_malformed_rating_line_is_reported(movielens):
    (movielens / "u.data").write_text("7\t1\tfive\t881250949\n")

    with pytest.raises(DatasetError, match="u.data, line 1: malformed"):
        read_movielens(movielens)
