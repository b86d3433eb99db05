import pytest

from recommender.ml.csvio import (
    CsvFormatError,
    read_articles_csv,
    read_id_list,
    read_interactions_csv,
    write_articles_csv,
    write_interactions_csv,
)


def test_interactions_default_event_and_parse_values_and_timestamps(tmp_path):
    path = tmp_path / "i.csv"
    path.write_text(
        "user_id,article_id,event,value,timestamp\n"
        "u1,a1,,,\n"
        "u1,a2,rating,4.5,1700000000\n"
        "u2,a1,like,,2023-11-14T22:13:20Z\n"
    )

    rows = list(read_interactions_csv(path))

    assert rows == [
        ("u1", "a1", "read", None, None),
        ("u1", "a2", "rating", 4.5, 1700000000.0),
        ("u2", "a1", "like", None, 1700000000.0),
    ]


def test_interactions_need_only_user_and_article_columns(tmp_path):
    path = tmp_path / "i.csv"
    path.write_text("article_id,user_id\na1,u1\n")

    assert list(read_interactions_csv(path)) == [("u1", "a1", "read", None, None)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("user,article\nu1,a1\n", "missing column"),
        ("user_id,article_id,value\nu1,a1,lots\n", "line 2: value 'lots' is no number"),
        ("user_id,article_id,timestamp\nu1,a1,yesterday\n", "line 2: timestamp"),
        ("user_id,article_id\nu1,\n", "line 2: user_id and article_id are required"),
        ("user_id,article_id\nu1,a1,extra\n", "line 2: too many fields"),
    ],
)
def test_bad_interaction_files_name_the_problem(tmp_path, content, message):
    path = tmp_path / "i.csv"
    path.write_text(content)

    with pytest.raises(CsvFormatError, match=message):
        list(read_interactions_csv(path))


def test_missing_file_is_a_format_error(tmp_path):
    with pytest.raises(CsvFormatError, match="cannot open"):
        list(read_interactions_csv(tmp_path / "absent.csv"))


def test_articles_fill_optional_columns_and_reject_duplicates(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('article_id,title\n1,"Networks, small and large"\n')

    assert read_articles_csv(path) == [
        {
            "article_id": "1",
            "title": "Networks, small and large",
            "summary": "",
            "body": "",
            "topics": "",
            "published_at": "",
        }
    ]
    path.write_text("article_id,title\n1,A\n1,B\n")
    with pytest.raises(CsvFormatError, match="line 3: duplicate article_id 1"):
        read_articles_csv(path)


def test_written_files_read_back(tmp_path):
    articles = [{"article_id": "7", "title": 'Quotes "and", commas', "summary": "s\nmore"}]
    write_articles_csv(tmp_path / "a.csv", articles, ("article_id", "title", "summary"))
    write_interactions_csv(tmp_path / "i.csv", [("u", "7", "read", None, None)])

    assert read_articles_csv(tmp_path / "a.csv")[0]["title"] == 'Quotes "and", commas'
    assert read_articles_csv(tmp_path / "a.csv")[0]["summary"] == "s\nmore"
    assert list(read_interactions_csv(tmp_path / "i.csv")) == [("u", "7", "read", None, None)]


def test_id_list_ignores_blank_lines(tmp_path):
    path = tmp_path / "ids.txt"
    path.write_text("3\n\n 5 \n")

    assert read_id_list(path) == ["3", "5"]
