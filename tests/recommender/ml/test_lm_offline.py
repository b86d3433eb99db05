"""evaluate_offline --model lm: trains within the time budget and evaluates by generation, from
files alone."""

import json

import pytest
from django.core.management import CommandError, call_command

from .lm_tiny import histories, titles

pytestmark = pytest.mark.filterwarnings("ignore:.*attention_mask.*")


@pytest.fixture
def library_files(tmp_path):
    """The tiny library as canonical CSV files; each reader's last article is the test item."""
    articles = tmp_path / "articles.csv"
    articles.write_text(
        "article_id,title\n" + "".join(f"a{i},{title}\n" for i, title in enumerate(titles()))
    )
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    train.write_text(
        "user_id,article_id\n"
        + "".join(f"u{u},a{i}\n" for u, items in enumerate(histories()) for i in items[:-1])
    )
    test.write_text(
        "user_id,article_id\n"
        + "".join(f"u{u},a{items[-1]}\n" for u, items in enumerate(histories()))
    )
    return articles, train, test


def test_lm_is_trained_within_the_budget_and_evaluated_on_a_user_sample(library_files, tmp_path):
    articles, train, test = library_files
    out = tmp_path / "lm.json"

    call_command(
        "evaluate_offline",
        *("--articles", articles, "--train", train, "--test", test, "--model", "lm"),
        *("--time-budget", "2", "--max-users", "4", "--threads", "1", "--json", out),
    )

    result = json.loads(out.read_text())
    assert result["model"] == "lm"
    assert result["users_evaluated"] == 4
    assert result["params"]["time_budget_s"] == 2.0
    assert 1.5 < result["train_seconds"] < 4.0
    assert 0.0 <= result["ndcg@10"] <= result["recall@20"] <= 1.0


def test_a_non_positive_time_budget_is_refused(library_files):
    articles, train, test = library_files

    with pytest.raises(CommandError, match="--time-budget must be > 0"):
        call_command(
            "evaluate_offline",
            *("--articles", articles, "--train", train, "--test", test, "--model", "lm"),
            *("--time-budget", "0"),
        )
