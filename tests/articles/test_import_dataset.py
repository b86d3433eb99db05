import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from articles.importers import datasets
from articles.importers.csv_rows import RowError
from articles.importers.datasets import LineFile
from articles.models import Article, Interaction, Topic

User = get_user_model()
# The real data sets' directory (holding citeulike-a/ and ml-100k/), as for the benchmarks;
# without RECSITE_DATA_DIR, where the development machines keep it, beside the repository.
REAL_DATA = Path(
    os.environ.get("RECSITE_DATA_DIR") or Path(settings.BASE_DIR).parent / "shared" / "data"
)


@pytest.fixture
def citeulike_dir(tmp_path):
    directory = tmp_path / "citeulike-a"
    directory.mkdir()
    files = {
        "titles.txt": "Exploring complex networks\n{A} Survey of Tagging &amp; Search\n"
        "The metabolic world\nCommunity structure\n",
        "abstracts.tsv": "item_index\tciteulike_id\traw_title\traw_abstract\n"
        "0\t42\tExploring complex networks\tNetworks are {E}verywhere.\n"
        "2\t44\tThe metabolic world\tMetabolism as a graph.\n",
        "tags.dat": "machine_learning\nmachine-learning\nnetworks\ntodo\n2006\nrare\n",
        "item-tag.dat": "4 0 2 3 4\n1 1\n2 2 3\n2 2 5\n",
        "users.dat": "2 0 1\n3 0 2 3\n1 3",  # no newline at the end, like the real file
    }
    for name, content in files.items():
        (directory / name).write_text(content, encoding="utf-8")
    return directory


@pytest.fixture
def movielens_dir(tmp_path):
    directory = tmp_path / "ml-100k"
    directory.mkdir()
    files = {
        "u.genre": "unknown|0\nAction|1\nComedy|2\n\n",
        "u.item": "1|Toy Story (1995)|01-Jan-1995||http://a|0|0|1\n"
        "2|GoldenEye (1995)|01-Jan-1995||http://b|0|1|1\n"
        "267|unknown||||1|0|0\n",
        "u.data": "1\t1\t5\t881250949\n1\t2\t3\t881250950\n2\t1\t4\t881250951\n",
    }
    for name, content in files.items():
        (directory / name).write_text(content, encoding="latin-1")
    return directory


def state():
    return (
        sorted(Article.objects.values_list("external_id", "title", "summary", "published_at")),
        sorted(Topic.objects.values_list("name", flat=True)),
        sorted(
            Interaction.objects.values_list(
                "user__username", "article__external_id", "event", "value", "created_at"
            )
        ),
    )


@pytest.mark.django_db
def test_citeulike_loads_articles_topics_and_bookmarks(
    citeulike_dir, run_import_command, monkeypatch
):
    # given a threshold that fits four articles
    monkeypatch.setattr(datasets, "MIN_ARTICLES_PER_TOPIC", 2)

    # when
    out, err = run_import_command("import_dataset", "citeulike-a", citeulike_dir)

    # then
    assert out.splitlines()[0].startswith(
        "articles (titles.txt): 4 rows read, 4 created, 0 updated, 0 already present, 0 bad, "
        "2 topics created"
    )
    assert out.splitlines()[1].startswith(
        "bookmarks (users.dat): 6 rows read, 6 created, 0 updated, 0 already present, 0 bad, "
        "3 users created"
    )
    assert err == ""
    first = Article.objects.get(external_id="citeulike-a:0")
    assert (first.title, first.summary, first.status) == (
        "Exploring complex networks",
        "Networks are Everywhere.",
        Article.Status.PUBLISHED,
    )
    assert first.published_at == datetime(2010, 1, 1, tzinfo=UTC)
    # machine_learning and machine-learning are one topic; todo, 2006 and rare are not topics
    assert sorted(first.topics.values_list("name", flat=True)) == ["machine learning", "networks"]
    second = Article.objects.get(external_id="citeulike-a:1")
    assert (second.title, second.summary) == ("A Survey of Tagging & Search", "")
    assert list(Article.objects.get(external_id="citeulike-a:3").topics.all()) == [
        Topic.objects.get(name="networks")
    ]
    start = datetime(2010, 6, 1, tzinfo=UTC)
    assert state()[2] == [
        ("citeulike-a.u0", "citeulike-a:0", "bookmark", None, start),
        ("citeulike-a.u0", "citeulike-a:1", "bookmark", None, start.replace(minute=1)),
        ("citeulike-a.u1", "citeulike-a:0", "bookmark", None, start),
        ("citeulike-a.u1", "citeulike-a:2", "bookmark", None, start.replace(minute=1)),
        ("citeulike-a.u1", "citeulike-a:3", "bookmark", None, start.replace(minute=2)),
        ("citeulike-a.u2", "citeulike-a:3", "bookmark", None, start),
    ]


def test_citeulike_articles_get_at_most_the_cap_of_their_most_used_topics(
    citeulike_dir, monkeypatch
):
    # given
    monkeypatch.setattr(datasets, "MIN_ARTICLES_PER_TOPIC", 1)
    monkeypatch.setattr(datasets, "MAX_TOPICS_PER_ARTICLE", 1)

    # when
    topics = datasets.citeulike_topics(citeulike_dir)

    # then: networks (3 articles) beats machine learning (2) and rare (1)
    assert topics == [("networks",), ("machine learning",), ("networks",), ("networks",)]


@pytest.mark.django_db
def test_citeulike_bad_library_lines_are_reported(citeulike_dir, run_import_command):
    # given
    (citeulike_dir / "users.dat").write_text("2 0 1\n3 0 1\n1 9\n", encoding="utf-8")

    # when
    out, err = run_import_command("import_dataset", "citeulike-a", citeulike_dir)

    # then
    summary = "bookmarks (users.dat): 4 rows read, 2 created, 0 updated, 0 already present, 2 bad"
    assert summary in out
    assert err.splitlines()[:2] == [
        "bookmarks (users.dat): line 2: expected 'n article_index ...' with n article indices",
        "bookmarks (users.dat): line 3: unknown article id 'citeulike-a:9' "
        "(import the articles first)",
    ]


@pytest.mark.django_db
def test_movielens_loads_movies_genres_and_ratings(movielens_dir, run_import_command):
    # when
    out, _ = run_import_command("import_dataset", "movielens-100k", movielens_dir)

    # then
    assert "movies (u.item): 3 rows read, 3 created, 0 updated, 0 already present, 0 bad" in out
    assert "ratings (u.data): 3 rows read, 3 created, 0 updated, 0 already present, 0 bad" in out
    toy_story = Article.objects.get(external_id="movielens-100k:1")
    assert (toy_story.title, toy_story.summary, toy_story.published_at) == (
        "Toy Story (1995)",
        "Comedy film released 1 January 1995.",
        datetime(1995, 1, 1, tzinfo=UTC),
    )
    golden_eye = Article.objects.get(external_id="movielens-100k:2")
    assert golden_eye.summary == "Action, comedy film released 1 January 1995."
    assert sorted(golden_eye.topics.values_list("name", flat=True)) == ["Action", "Comedy"]
    unknown = Article.objects.get(external_id="movielens-100k:267")
    assert (unknown.summary, list(unknown.topics.all())) == ("A film.", [])
    assert state()[2] == [
        ("movielens-100k.u1", "movielens-100k:1", "rating", 5.0,
         datetime(1997, 12, 4, 15, 55, 49, tzinfo=UTC)),
        ("movielens-100k.u1", "movielens-100k:2", "rating", 3.0,
         datetime(1997, 12, 4, 15, 55, 50, tzinfo=UTC)),
        ("movielens-100k.u2", "movielens-100k:1", "rating", 4.0,
         datetime(1997, 12, 4, 15, 55, 51, tzinfo=UTC)),
    ]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("dataset", "directory_fixture", "summaries", "readers"),
    [
        (
            "citeulike-a",
            "citeulike_dir",
            [
                "4 rows read, 0 created, 0 updated, 4 already present, 0 bad",
                "6 rows read, 0 created, 0 updated, 6 already present, 0 bad",
            ],
            3,
        ),
        (
            "movielens-100k",
            "movielens_dir",
            ["3 rows read, 0 created, 0 updated, 3 already present, 0 bad"],
            2,
        ),
    ],
)
def test_a_second_run_adds_nothing(
    request, run_import_command, dataset, directory_fixture, summaries, readers
):
    # given
    directory = request.getfixturevalue(directory_fixture)
    run_import_command("import_dataset", dataset, directory)
    first = state()

    # when
    out, _ = run_import_command("import_dataset", dataset, directory)

    # then
    for summary in summaries:
        assert summary in out
    assert state() == first
    assert User.objects.count() == readers


@pytest.mark.django_db
def test_directory_without_the_files_is_a_command_error(tmp_path, run_import_command):
    # when
    with pytest.raises(CommandError) as raised:
        run_import_command("import_dataset", "citeulike-a", tmp_path)

    # then
    assert str(raised.value) == (
        f"{tmp_path} is not a citeulike-a directory: missing titles.txt, abstracts.tsv, "
        "item-tag.dat, tags.dat, users.dat"
    )
    assert Article.objects.count() == 0


@pytest.mark.slow
@pytest.mark.skipif(
    not (REAL_DATA / "citeulike-a").is_dir() or not (REAL_DATA / "ml-100k").is_dir(),
    reason=f"the real data sets (citeulike-a/, ml-100k/) are not in {REAL_DATA}: "
    "set RECSITE_DATA_DIR",
)
def test_real_data_sets_parse_completely_with_their_documented_sizes():
    # given
    citeulike, movielens = REAL_DATA / "citeulike-a", REAL_DATA / "ml-100k"

    # when
    streams = {
        "titles": list(datasets.citeulike_articles(citeulike, LineFile(citeulike / "titles.txt"))),
        "library": datasets.citeulike_library(citeulike, LineFile(citeulike / "users.dat")),
        "movies": list(
            datasets.movielens_movies(movielens, LineFile(movielens / "u.item", encoding="latin-1"))
        ),
        "ratings": datasets.movielens_ratings(movielens, LineFile(movielens / "u.data")),
    }
    counts, users, errors = {}, {}, []
    for name, records in streams.items():
        counts[name] = 0
        users[name] = set()
        for record in records:
            if isinstance(record, RowError):
                errors.append((name, record))
            else:
                counts[name] += 1
                users[name].add(getattr(record, "user_id", None))

    # then
    assert errors == []
    assert counts == {"titles": 16_980, "library": 204_986, "movies": 1_682, "ratings": 100_000}
    assert (len(users["library"]), len(users["ratings"])) == (5_551, 943)
    topics = {name for record in streams["titles"] for name in record.topics}
    assert 100 < len(topics) < 700
    assert {"bioinformatics", "machine learning", "social networks"} <= topics
    assert all(len(record.topics) <= 3 for record in streams["titles"])
