import hashlib
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from articles.importers.csv_rows import MAX_FIELD_CHARS
from articles.models import Interaction
from articles.signals import interaction_recorded
from tests.factories import ArticleFactory, UserFactory

User = get_user_model()
HEADER = "user_id,article_id,event,value,timestamp\n"


@pytest.fixture
def articles(db):
    return {external_id: ArticleFactory(external_id=external_id) for external_id in ("a1", "a2")}


def rows():
    return sorted(
        Interaction.objects.values_list(
            "user__username", "article__external_id", "event", "value", "source", "created_at"
        )
    )


def test_good_file_creates_interactions_and_users(articles, write_file, run_import_command):
    # given
    existing = UserFactory(username="alice")
    path = write_file(
        "interactions.csv",
        HEADER
        + "alice,a1,like,,2024-05-01T12:00:00Z\n"
        + "bob,a2,,,1714564800\n"
        + "bob,a1,rating,4.5,2024-05-01 14:00:00+02:00\n"
        + "carol@example.com,a2,VIEW,,\n",
    )
    before = timezone.now()

    # when
    out, err = run_import_command("import_interactions", path)

    # then
    assert out.strip().startswith(
        "interactions: 4 rows read, 4 created, 0 updated, 0 already present, 0 bad, "
        "2 users created ("
    )
    assert err == ""
    noon = datetime(2024, 5, 1, 12, tzinfo=UTC)
    imported = rows()
    assert imported[:3] == [
        ("alice", "a1", "like", None, "import", noon),
        ("bob", "a1", "rating", 4.5, "import", noon),
        ("bob", "a2", "read", None, "import", noon),
    ]
    carol = imported[3]
    assert carol[:5] == ("carol@example.com", "a2", "view", None, "import")
    assert carol[5] >= before  # no timestamp: the time of the import
    assert Interaction.objects.filter(user=existing).count() == 1  # the existing user got it
    bob = User.objects.get(username="bob")
    assert not bob.has_usable_password()


def test_import_key_is_the_digest_of_the_row(articles, write_file, run_import_command):
    # given
    path = write_file("interactions.csv", HEADER + "bob,a1,rating,4,1714564800\n")

    # when
    run_import_command("import_interactions", path)

    # then
    expected = hashlib.sha1(b"bob\x1fa1\x1frating\x1f4.0\x1f1714564800").hexdigest()
    assert list(Interaction.objects.values_list("import_key", flat=True)) == [expected]


def test_reimport_adds_nothing_and_identical_rows_collapse(
    articles, write_file, run_import_command
):
    # given
    path = write_file(
        "interactions.csv",
        HEADER + "bob,a1,like,,1714564800\nbob,a1,like,,1714564800\nbob,a1,rating,5,\n"
        "bob,a1,rating,5.0,\n",
    )
    run_import_command("import_interactions", path)
    first = rows()

    # when
    out, _ = run_import_command("import_interactions", path)

    # then
    assert len(first) == 2
    assert "4 rows read, 0 created, 0 updated, 4 already present, 0 bad" in out
    assert rows() == first
    assert User.objects.count() == 1


def test_the_import_key_has_one_index_its_unique_constraint(db):
    # given: the migrated schema (on PostgreSQL, unique=True would add a LIKE index too)
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Interaction._meta.db_table)

    # when
    on_import_key = {
        name: found["unique"]
        for name, found in constraints.items()
        if found["columns"] == ["import_key"]
    }

    # then
    assert on_import_key == {"interaction_import_key_unique": True}


def test_bulk_import_sends_no_interaction_signal(articles, write_file, run_import_command):
    # given
    received = []
    interaction_recorded.connect(received.append, weak=False, dispatch_uid="test-import")
    path = write_file("interactions.csv", HEADER + "bob,a1,like,,\n")

    # when
    try:
        run_import_command("import_interactions", path)
    finally:
        interaction_recorded.disconnect(dispatch_uid="test-import")

    # then
    assert Interaction.objects.count() == 1
    assert received == []


def test_bad_rows_are_reported_by_line_and_reason(articles, write_file, run_import_command):
    # given
    content = (
        HEADER.encode()
        + b"ok,a1,,,\n"  # line 2
        + b"u,a1,skim,,\n"
        + b"u,a1,read,,yesterday\n"
        + b"u,zz,read,,\n"
        + b",a1,read,,\n"
        + b"u,,read,,\n"
        + b"u,a1,read,lots,\n"
        + b"u,a1,rating,,\n"
        + b"u,a1,read,nan,\n"
        + b"bad user,a1,read,,\n"
        + b"u\xff,a1,read,,\n"
        + b"u,a1\n"
        + b'u,a1,read,,"unterminated\n'
        + b"\n"
        + b"ok,a2,,,\n"  # line 16 (inside the unterminated quote)
    )
    path = write_file("interactions.csv", content)

    # when
    out, err = run_import_command("import_interactions", path)

    # then
    assert "13 rows read, 1 created, 0 updated, 0 already present, 12 bad" in out
    assert err.splitlines() == [
        "interactions: line 3: unknown event 'skim'; expected one of view, click, read, like, "
        "bookmark, share, dislike, rating",
        "interactions: line 4: timestamp 'yesterday' is not a timestamp; use ISO-8601 "
        "(2024-05-01T12:00:00Z) or Unix seconds",
        "interactions: line 5: unknown article id 'zz' (import the articles first)",
        "interactions: line 6: user_id is empty",
        "interactions: line 7: article_id is empty",
        "interactions: line 8: value 'lots' is not a number",
        "interactions: line 9: a rating needs a value",
        "interactions: line 10: value 'nan' is not a finite number",
        "interactions: line 11: user_id 'bad user' is not a valid username (letters, digits "
        "and @/./+/-/_ only)",
        "interactions: line 12: not valid UTF-8 (byte 0xff at byte 2 of the line); save the "
        "file as UTF-8",
        "interactions: line 13: expected 5 fields (user_id, article_id, event, value, "
        "timestamp), got 2",
        "interactions: line 14: not valid CSV (unexpected end of data)",
        "WARNING: 12 bad rows were skipped (listed above); fix them and re-run, or use "
        "--strict to import all or nothing.",
    ]
    assert rows()[0][:3] == ("ok", "a1", "read")


def test_strict_mode_writes_nothing_not_even_users(articles, write_file, run_import_command):
    # given: the bad row (an unknown article) comes after a full batch of good ones
    good = "".join(f"user{n},a1,view,,{n}\n" for n in range(30))
    path = write_file("interactions.csv", HEADER + good + "late,nope,read,,\n")

    # when
    with pytest.raises(CommandError) as raised:
        run_import_command("import_interactions", path, "--strict", "--batch-size", "10")

    # then
    assert str(raised.value) == f"{path}: 1 bad rows; nothing was written (--strict)."
    assert Interaction.objects.count() == 0
    assert User.objects.count() == 0


def test_strict_mode_lists_every_bad_row(articles, write_file):
    # given
    path = write_file("interactions.csv", HEADER + "u,zz,,,\nu,a1,,,\n,a1,,,\n")
    err = StringIO()

    # when
    with pytest.raises(CommandError):
        call_command("import_interactions", path, "--strict", "--no-progress", stderr=err)

    # then
    assert err.getvalue().splitlines() == [
        "interactions: line 2: unknown article id 'zz' (import the articles first)",
        "interactions: line 4: user_id is empty",
    ]
    assert Interaction.objects.count() == 0


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("article_id,event\n", "missing required column(s): user_id"),
        ("user_id,article_id,evnt\n", "unknown column(s): 'evnt'"),
        ("user_id;article_id\n", "missing required column(s): user_id, article_id"),
    ],
)
def test_wrong_header_is_a_command_error(articles, write_file, run_import_command, header, message):
    # given
    path = write_file("interactions.csv", header + "u,a1,read\n")

    # when
    with pytest.raises(CommandError) as raised:
        run_import_command("import_interactions", path)

    # then
    assert message in str(raised.value)
    assert "Expected the columns user_id, article_id, event, value, timestamp" in str(raised.value)
    assert Interaction.objects.count() == 0
    assert User.objects.count() == 0


def test_header_with_byte_order_mark_and_any_column_order(articles, write_file, run_import_command):
    # given
    path = write_file("interactions.csv", "\ufeffArticle_ID, user_id\na1,bob\n")

    # when
    run_import_command("import_interactions", path)

    # then
    assert [row[:3] for row in rows()] == [("bob", "a1", "read")]


def test_undecodable_header_is_a_command_error(articles, write_file, run_import_command):
    # given
    path = write_file("interactions.csv", b"user_id,article_id\xff\nu,a1\n")

    # when
    with pytest.raises(CommandError) as raised:
        run_import_command("import_interactions", path)

    # then
    assert "line 1 (the header): not valid UTF-8 (byte 0xff" in str(raised.value)
    assert Interaction.objects.count() == 0


def test_oversized_field_is_a_bad_row_not_a_crash(articles, write_file, run_import_command):
    # given
    huge = "x" * (MAX_FIELD_CHARS + 1)
    path = write_file("interactions.csv", f"{HEADER}u,a1,read,,\nu,a1,read,,{huge}\nv,a2,,,\n")

    # when
    out, err = run_import_command("import_interactions", path)

    # then
    assert "3 rows read, 2 created, 0 updated, 0 already present, 1 bad" in out
    assert err.splitlines()[0] == (
        "interactions: line 3: not valid CSV (field larger than field limit (1000000))"
    )


def test_only_the_first_fifty_bad_rows_are_listed(articles, write_file, run_import_command):
    # given
    path = write_file("interactions.csv", HEADER + "u,zz,,,\n" * 60)

    # when
    out, err = run_import_command("import_interactions", path)

    # then
    lines = err.splitlines()
    assert len(lines) == 52
    assert lines[49] == "interactions: line 51: unknown article id 'zz' (import the articles first)"
    assert lines[50] == "interactions: ... and 10 more bad rows"
    assert "60 rows read, 0 created, 0 updated, 0 already present, 60 bad" in out
