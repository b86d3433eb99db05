from datetime import UTC, datetime

import pytest
from django.core.management.base import CommandError
from django.utils import timezone

from articles.importers import csv_rows
from articles.models import Article, Topic
from tests.factories import ArticleFactory, TopicFactory

HEADER = "article_id,title,summary,body,topics,published_at\n"
GOOD = (
    HEADER + 'n1,Exploring complex networks,How networks grow,"First paragraph.\n\nSecond.",'
    "Networks|Physics,2024-05-01T12:00:00Z\n"
    + "n2,The metabolic world,,,networks,1714564800\n"
    + "n3,Untitled thoughts,,,,\n"
)


def snapshot():
    return sorted(
        (a.external_id, a.title, a.summary, a.body, a.status, a.published_at, a.slug,
         tuple(sorted(t.name for t in a.topics.all())))
        for a in Article.objects.prefetch_related("topics")
    )  # fmt: skip


@pytest.mark.django_db
def test_good_file_creates_published_articles_with_topics(write_file, run_import_command):
    # given
    path = write_file("articles.csv", GOOD)
    before = timezone.now()

    # when
    out, err = run_import_command("import_articles", path)

    # then
    assert out.strip().startswith(
        "articles: 3 rows read, 3 created, 0 updated, 0 already present, 0 bad, 2 topics created ("
    )
    assert err == ""
    first = Article.objects.get(external_id="n1")
    assert (first.title, first.summary, first.body, first.slug, first.status) == (
        "Exploring complex networks",
        "How networks grow",
        "First paragraph.\n\nSecond.",
        "exploring-complex-networks",
        Article.Status.PUBLISHED,
    )
    assert first.published_at == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert sorted(first.topics.values_list("name", flat=True)) == ["Networks", "Physics"]
    second = Article.objects.get(external_id="n2")
    assert second.published_at == datetime(2024, 5, 1, 12, tzinfo=UTC)  # Unix seconds
    assert list(second.topics.values_list("name", flat=True)) == ["Networks"]  # case-insensitive
    third = Article.objects.get(external_id="n3")
    assert third.published_at >= before
    assert list(third.topics.all()) == []
    assert Topic.objects.count() == 2


@pytest.mark.django_db
def test_reimporting_the_same_file_adds_and_changes_nothing(write_file, run_import_command):
    # given
    path = write_file("articles.csv", GOOD)
    run_import_command("import_articles", path)
    first_state = snapshot()

    # when
    out, _ = run_import_command("import_articles", path)

    # then
    assert "3 rows read, 0 created, 0 updated, 3 already present, 0 bad" in out
    assert snapshot() == first_state
    assert Topic.objects.count() == 2


@pytest.mark.django_db
def test_reimport_updates_changed_fields_and_leaves_absent_columns_and_status(
    write_file, run_import_command
):
    # given an imported article that an editor archived since
    run_import_command("import_articles", write_file("v1.csv", GOOD))
    Article.objects.filter(external_id="n1").update(status=Article.Status.ARCHIVED)
    changed = "article_id,title,topics\nn1,Exploring complex networks (2nd ed.),Physics\n"

    # when
    out, _ = run_import_command("import_articles", write_file("v2.csv", changed))

    # then
    assert "1 rows read, 0 created, 1 updated, 0 already present, 0 bad" in out
    article = Article.objects.get(external_id="n1")
    assert article.title == "Exploring complex networks (2nd ed.)"
    assert article.summary == "How networks grow"  # no summary column: untouched
    assert article.published_at == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert article.status == Article.Status.ARCHIVED
    assert list(article.topics.values_list("name", flat=True)) == ["Physics"]
    assert article.slug == "exploring-complex-networks"  # links keep working


@pytest.mark.django_db
def test_a_repeated_article_id_in_one_file_is_one_article_and_the_last_row_wins(
    write_file, run_import_command
):
    # given
    path = write_file("articles.csv", "article_id,title\nx,First\nx,Second\nx,Second\n")

    # when
    out, _ = run_import_command("import_articles", path)

    # then
    assert "3 rows read, 1 created, 1 updated, 1 already present, 0 bad" in out
    assert list(Article.objects.values_list("external_id", "title")) == [("x", "Second")]


@pytest.mark.django_db
def test_new_article_with_a_taken_title_gets_a_distinct_slug(write_file, run_import_command):
    # given
    ArticleFactory(title="Networks", slug="networks")
    ArticleFactory(title="Networks", slug="networks-2")
    path = write_file("articles.csv", "article_id,title\nn1,Networks\nn2,Networks\n")

    # when
    run_import_command("import_articles", path)

    # then
    slugs = dict(
        Article.objects.filter(external_id__isnull=False).values_list("external_id", "slug")
    )
    assert slugs == {"n1": "networks-3", "n2": "networks-4"}


@pytest.mark.django_db
def test_existing_topic_is_reused_whatever_its_case(write_file, run_import_command):
    # given
    topic = TopicFactory(name="Machine Learning", slug="machine-learning")
    path = write_file("articles.csv", "article_id,title,topics\nm1,Deep nets,machine learning\n")

    # when
    run_import_command("import_articles", path)

    # then
    assert list(Article.objects.get(external_id="m1").topics.all()) == [topic]
    assert Topic.objects.count() == 1


@pytest.mark.django_db
def test_bad_rows_are_reported_by_line_and_good_rows_imported(write_file, run_import_command):
    # given (line 3's quoted body spans lines 3-4, so the next row starts on line 5)
    path = write_file(
        "articles.csv",
        HEADER
        + "ok1,Fine,,,,\n"
        + 'ok2,Also fine,,"two\nlines",,\n'
        + ",No id,,,,\n"
        + "e2,,,,,\n"
        + "e3,Bad date,,,,next tuesday\n"
        + "e4,Too few fields\n"
        + f"e5,{'x' * 501},,,,\n"
        + f"e6,Long topic,,,{'t' * 101},\n"
        + 'e7,"unclosed"quote,,,,\n'
        + "ok3,Last,,,,\n",
    )

    # when
    out, err = run_import_command("import_articles", path)

    # then
    assert "10 rows read, 3 created, 0 updated, 0 already present, 7 bad" in out
    assert err.splitlines() == [
        "articles: line 5: article_id is empty",
        "articles: line 6: title is empty",
        "articles: line 7: published_at 'next tuesday' is not a timestamp; use ISO-8601 "
        "(2024-05-01T12:00:00Z) or Unix seconds",
        "articles: line 8: expected 6 fields (article_id, title, summary, body, topics, "
        "published_at), got 2",
        "articles: line 9: title is longer than 500 characters (501)",
        "articles: line 10: topic name is longer than 100 characters (101)",
        "articles: line 11: not valid CSV (',' expected after '\"')",
        "WARNING: 7 bad rows were skipped (listed above); fix them and re-run, or use --strict "
        "to import all or nothing.",
    ]
    assert sorted(Article.objects.values_list("external_id", flat=True)) == ["ok1", "ok2", "ok3"]


@pytest.mark.django_db
def test_strict_mode_writes_nothing_when_a_row_is_bad(write_file, run_import_command):
    # given
    path = write_file("articles.csv", GOOD + "bad,,,,New topic,\n")

    # when
    with pytest.raises(CommandError) as raised:
        run_import_command("import_articles", path, "--strict")

    # then
    assert str(raised.value) == f"{path}: 1 bad rows; nothing was written (--strict)."
    assert Article.objects.count() == 0
    assert Topic.objects.count() == 0


@pytest.mark.django_db
def test_strict_mode_imports_a_clean_file(write_file, run_import_command):
    # when
    out, _ = run_import_command("import_articles", write_file("a.csv", GOOD), "--strict")

    # then
    assert "3 created" in out
    assert Article.objects.count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("id,title\n", "missing required column(s): article_id; unknown column(s): 'id'"),
        ("article_id,title,author\n", "unknown column(s): 'author'"),
        ("article_id,title,title\n", "repeated column(s): title"),
        ("", "the file is empty; expected a header row"),
    ],
)
def test_wrong_header_is_a_command_error_naming_the_columns(
    write_file, run_import_command, header, message
):
    # given
    path = write_file("articles.csv", header + ("a1,Title,x\n" if header else ""))

    # when
    with pytest.raises(CommandError) as raised:
        run_import_command("import_articles", path)

    # then
    assert message in str(raised.value)
    assert str(raised.value).endswith("Nothing was imported.")
    assert Article.objects.count() == 0


@pytest.mark.django_db
def test_missing_file_is_a_command_error(tmp_path, run_import_command):
    with pytest.raises(CommandError, match="no such file"):
        run_import_command("import_articles", tmp_path / "nope.csv")


@pytest.mark.django_db
def test_undecodable_nul_and_overlong_lines_cost_their_row_only(
    write_file, run_import_command, monkeypatch
):
    # given (a quoted body spans lines 3-4 and breaks on line 4)
    monkeypatch.setattr(csv_rows, "MAX_LINE_BYTES", 200)
    path = write_file(
        "articles.csv",
        b"article_id,title,body\n"
        b"ok1,Fine,\n"
        b'e1,Broken body,"first line\nsecond \xe9 line"\n'
        b"e2,Nul\x00,\n"
        b"e3,Overlong," + b"x" * 300 + b"\n"
        b"ok2,Caf\xc3\xa9,\n",
    )

    # when
    out, err = run_import_command("import_articles", path)

    # then
    assert "5 rows read, 2 created, 0 updated, 0 already present, 3 bad" in out
    assert err.splitlines()[:3] == [
        "articles: line 3: not valid UTF-8 (byte 0xe9 at byte 8 of the line); save the file as "
        "UTF-8 (on line 4)",
        "articles: line 5: contains a NUL character",
        "articles: line 6: line is longer than 200 bytes",
    ]
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Café", "Fine"]
