"""The research data set readers, on tiny files in the published formats."""

import pytest

from recommender.ml.datasets import DatasetError, read_movielens


@pytest.fixture
def movielens(tmp_path):
    (tmp_path / "u.genre").write_text("unknown|0\nAction|1\nComedy|2\n\n")
    (tmp_path / "u.item").write_text(
        "1|Toy Story (1995)|01-Jan-1995||http://x|0|0|1\n2|Heat (1995)|01-Jan-1995||http://y|0|1|0\n"
    )
    (tmp_path / "u.data").write_text("7\t2\t4\t881250949\n7\t1\t3\t881250950\n")
    return tmp_path


def test_movielens_movies_have_genres_as_text_and_ratings_keep_time_and_file_order(movielens):
    dataset = read_movielens(movielens)

    assert dataset.articles[0] == {
        "article_id": "1",
        "title": "Toy Story (1995)",
        "summary": "Comedy",
        "topics": "Comedy",
    }
    assert dataset.interactions == [
        ("7", "2", "rating", 4.0, 881250949.0),
        ("7", "1", "rating", 3.0, 881250950.0),
    ]


def test_a_malformed_rating_line_names_the_file_and_line(movielens):
    (movielens / "u.data").write_text("7\t2\t4\t881250949\n7\tx\n")

    with pytest.raises(DatasetError, match=r"u.data, line 2"):
        read_movielens(movielens)
