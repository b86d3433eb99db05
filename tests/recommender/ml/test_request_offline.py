"""evaluate_offline --queries: the request path of POST /api/recommend/ evaluated offline (real
text encoder on the astronomy and biology titles; no database)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.recommender.conftest import ASTRONOMY, BIOLOGY

ASK_BIOLOGY, ASK_ASTRONOMY = "genes, cells and proteins", "stars, planets and galaxies"


@pytest.fixture
def request_csvs(tmp_path):
    """40 articles (a0-a19 astronomy, a20-a39 biology); 20 readers who each read 3 articles of
    both subjects; the even ones ask for biology, the odd ones for astronomy, and hold out two
    unread articles of the subject they ask for."""
    articles = tmp_path / "articles.csv"
    articles.write_text(
        "article_id,title\n" + "".join(f"a{i},{t}\n" for i, t in enumerate(ASTRONOMY + BIOLOGY))
    )
    train, test, queries = (tmp_path / name for name in ("train.csv", "test.csv", "q.csv"))
    own = {u: [(u + k) % 20 + 20 * half for k in range(3) for half in (0, 1)] for u in range(20)}
    other = {u: [20 * (1 - u % 2) + (u + 3 + k) % 20 for k in range(2)] for u in range(20)}
    train.write_text("user_id,article_id\n" + "".join(f"u{u},a{i}\n" for u in own for i in own[u]))
    test.write_text(
        "user_id,article_id\n" + "".join(f"u{u},a{i}\n" for u in other for i in other[u])
    )
    queries.write_text(
        "user_id,query\n"
        + "".join(f'u{u},"{ASK_BIOLOGY if u % 2 == 0 else ASK_ASTRONOMY}"\n' for u in range(20))
    )
    return articles, train, test, queries


def _evaluate(tmp_path, files, *options):
    articles, train, test, _ = files
    out = tmp_path / "out.json"
    call_command(
        "evaluate_offline",
        *(f"--articles={articles}", f"--train={train}", f"--test={test}", f"--json={out}"),
        *("--factors=2", "--iterations=5", "--threads=1", "--k", "10"),
        *options,
        stdout=StringIO(),
        stderr=StringIO(),
    )
    return json.loads(out.read_text())


def test_the_request_path_answers_the_request_where_the_readers_list_does_not(
    tmp_path, request_csvs
):
    # given: readers asking for the subject they never read
    queries = request_csvs[3]

    # when
    ignoring = _evaluate(tmp_path, request_csvs, "--model=mf")
    text_alone = _evaluate(tmp_path, request_csvs, "--model=content", f"--queries={queries}")
    served = _evaluate(tmp_path, request_csvs, "--model=mf", f"--queries={queries}", "--explain")

    # then
    assert served["ndcg@10"] > max(ignoring["ndcg@10"], text_alone["ndcg@10"]) + 0.05
    assert served["queries"] == served["users_evaluated"] == 20
    assert set(served["request"]["weights"]) == {"query", "topic", "personal", "history"}
    assert served["invalid_citations"] == 0
    assert served["explanations"] == 200


def test_queries_need_a_model_the_request_path_can_use(tmp_path, request_csvs):
    with pytest.raises(CommandError, match="--queries needs --model content, mf, hybrid"):
        _evaluate(tmp_path, request_csvs, "--model=popular", f"--queries={request_csvs[3]}")


def test_a_queries_file_without_a_query_column_is_refused(tmp_path, request_csvs):
    bad = tmp_path / "bad.csv"
    bad.write_text("user_id,text\nu0,stars\n")

    with pytest.raises(CommandError, match="missing column"):
        _evaluate(tmp_path, request_csvs, "--model=content", f"--queries={bad}")
