"""evaluate_offline and make_split work from files alone: these tests have no database access
(pytest-django fails any test without the db fixture that touches the ORM)."""

import json

import pytest
from django.core.management import CommandError, call_command

from recommender.ml.csvio import read_id_list, read_interactions_csv

EXPECTED_KEYS = {
    "model",
    "recall@10",
    "recall@20",
    "ndcg@10",
    "ndcg@20",
    "coverage@20",
    "train_seconds",
    "users_evaluated",
    "params",
}


@pytest.fixture
def split_files(tmp_path):
    """12 articles; users 0-9 each read 6 of them (two groups); the test file holds one more."""
    articles = tmp_path / "articles.csv"
    articles.write_text("article_id,title\n" + "".join(f"a{i},Title {i}\n" for i in range(12)))
    train_lines, test_lines = [], []
    for user in range(10):
        base = 0 if user % 2 == 0 else 6
        items = [base + (user + k) % 6 for k in range(6)]
        train_lines += [f"u{user},a{item},read\n" for item in items[:5]]
        test_lines.append(f"u{user},a{items[5]},like\n")
    test_lines.append("stranger,a1,read\n")
    train = tmp_path / "train.csv"
    train.write_text("user_id,article_id,event\n" + "".join(train_lines))
    test = tmp_path / "test.csv"
    test.write_text("user_id,article_id,event\n" + "".join(test_lines))
    return articles, train, test


def _run(articles, train, test, out, *extra):
    call_command(
        "evaluate_offline",
        f"--articles={articles}",
        f"--train={train}",
        f"--test={test}",
        f"--json={out}",
        *extra,
        stdout=open(out.with_suffix(".txt"), "w"),  # noqa: SIM115 - closed with the test
    )
    return json.loads(out.read_text())


def test_evaluate_offline_popular_writes_the_metrics(split_files, tmp_path):
    out = tmp_path / "out.json"

    result = _run(*split_files, out, "--model=popular")

    assert set(result) >= EXPECTED_KEYS
    assert result["model"] == "popular"
    assert result["users_evaluated"] == 10
    assert result["data"]["test_users_not_in_train"] == 1
    assert "ndcg" in out.with_suffix(".txt").read_text()


def test_evaluate_offline_mf_uses_the_given_parameters(split_files, tmp_path):
    out = tmp_path / "out.json"

    result = _run(*split_files, out, "--model=mf", "--factors=4", "--iterations=5", "--threads=1")

    assert result["params"]["factors"] == 4
    assert result["params"]["iterations"] == 5
    assert result["params"]["seed"] == 0
    assert result["recall@10"] == 1.0  # 6 unread items of 12, the group's own ranked first


def test_evaluate_offline_ranks_only_candidates(split_files, tmp_path):
    candidates = tmp_path / "candidates.txt"
    candidates.write_text("a0\na1\n")
    out = tmp_path / "out.json"

    result = _run(*split_files, out, "--model=popular", "--k", "1", f"--candidates={candidates}")

    assert result["coverage@1"] <= 1.0
    assert result["data"]["candidates"] == 2
    assert result["users_evaluated"] <= 2  # only users whose test item is a0 or a1


@pytest.mark.parametrize(
    ("broken", "message"),
    [("missing", "cannot open"), ("bad_header", "missing column")],
)
def test_evaluate_offline_reports_bad_input_files(split_files, tmp_path, broken, message):
    articles, train, test = split_files
    if broken == "missing":
        train = tmp_path / "nope.csv"
    else:
        train.write_text("who,what\nu1,a1\n")
    out = tmp_path / "out.json"

    with pytest.raises(CommandError, match=message):
        _run(articles, train, test, out, "--model=popular")

    assert not out.exists()


def test_evaluate_offline_rejects_unknown_candidates(split_files, tmp_path):
    candidates = tmp_path / "candidates.txt"
    candidates.write_text("a0\nghost\n")

    with pytest.raises(CommandError, match="1 id\\(s\\) not in --articles, e.g. ghost"):
        _run(*split_files, tmp_path / "o.json", "--model=popular", f"--candidates={candidates}")


@pytest.fixture
def citeulike_dir(tmp_path):
    directory = tmp_path / "citeulike"
    directory.mkdir()
    (directory / "titles.txt").write_text("".join(f"Title {i}\n" for i in range(20)))
    (directory / "abstracts.tsv").write_text(
        "item_index\tciteulike_id\traw_title\traw_abstract\n"
        "3\t99\tTitle 3\tAn abstract\x0cwith FF\n"
    )
    users = [[i, (i + 1) % 20, (i + 2) % 20, (i + 3) % 20, (i + 4) % 20] for i in range(10)]
    (directory / "users.dat").write_text(
        "\n".join(f"{len(items)} " + " ".join(map(str, items)) for items in users)
    )
    return directory


def test_make_split_warm_writes_canonical_files(citeulike_dir, tmp_path):
    out = tmp_path / "warm"

    call_command("make_split", "citeulike-a", str(citeulike_dir), "--kind=warm", f"--out={out}")

    train = list(read_interactions_csv(out / "train.csv"))
    test = list(read_interactions_csv(out / "test.csv"))
    assert len(train) == 40
    assert len(test) == 10
    assert set(train).isdisjoint(test)
    assert (out / "articles.csv").read_text().splitlines()[0] == "article_id,title,summary"
    assert "An abstract\x0cwith FF" in (out / "articles.csv").read_text()
    assert not (out / "candidates.txt").exists()


def test_make_split_cold_holds_out_candidate_articles(citeulike_dir, tmp_path):
    out = tmp_path / "cold"

    call_command("make_split", "citeulike-a", str(citeulike_dir), "--kind=cold", f"--out={out}")

    candidates = set(read_id_list(out / "candidates.txt"))
    assert len(candidates) == 2
    assert {row[1] for row in read_interactions_csv(out / "test.csv")} <= candidates
    assert not {row[1] for row in read_interactions_csv(out / "train.csv")} & candidates


def test_make_split_reports_a_missing_dataset(tmp_path):
    with pytest.raises(CommandError, match="titles.txt: cannot read"):
        call_command("make_split", "citeulike-a", str(tmp_path), f"--out={tmp_path / 'o'}")


def test_evaluate_offline_mf_searches_on_the_train_file_alone(split_files, tmp_path):
    # given: a second test file that holds other articles for every reader
    articles, train, test = split_files
    other_test = tmp_path / "other_test.csv"
    other_test.write_text(
        "user_id,article_id\n" + "".join(f"u{user},a{(user + 3) % 12}\n" for user in range(10))
    )
    options = ("--model=mf", "--factors=4", "--threads=1", "--search-trials=4")

    # when
    first = _run(articles, train, test, tmp_path / "a.json", *options)
    second = _run(articles, train, other_test, tmp_path / "b.json", *options)

    # then: the same settings tried in the same order with the same validation scores
    search, other = first["search"]["mf"], second["search"]["mf"]
    assert search["pinned"] == {"factors": 4, "threads": 1}
    assert len(search["tried"]) == 4
    assert [t["score"] for t in search["tried"]] == [t["score"] for t in other["tried"]]
    assert [t["settings"] for t in search["tried"]] == [t["settings"] for t in other["tried"]]
    assert {name: first["params"][name] for name in search["chosen"]} == search["chosen"]
    assert first["params"]["factors"] == 4
    assert "mf search: 4 tried" in (tmp_path / "a.txt").read_text()


@pytest.mark.parametrize(
    ("option", "message"),
    [("--search-trials=0", "--search-trials must be > 0"), ("--search-seconds=-1", ">= 0")],
)
def test_evaluate_offline_refuses_a_bad_search_budget(split_files, tmp_path, option, message):
    with pytest.raises(CommandError, match=message):
        _run(*split_files, tmp_path / "o.json", "--model=mf", option)
