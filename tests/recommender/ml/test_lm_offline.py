"""evaluate_offline --model lm: the sequence LM trained on the training file's reading order
(or on none, without timestamps) and evaluated by full ranking, from files alone."""

import json

import pytest
from django.core.management import CommandError, call_command

from .lm_tiny import histories


def _library_files(tmp_path, *, timestamps: bool):
    """The tiny cycle catalogue as canonical CSV files; each reader's last article is the test
    item."""
    articles = tmp_path / "articles.csv"
    articles.write_text(
        "article_id,title\n" + "".join(f"a{i},Article number {i}\n" for i in range(24))
    )
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    header = "user_id,article_id,timestamp\n" if timestamps else "user_id,article_id\n"
    train.write_text(
        header
        + "".join(
            f"u{u},a{i},{position}\n" if timestamps else f"u{u},a{i}\n"
            for u, items in enumerate(histories())
            for position, i in enumerate(items[:-1])
        )
    )
    test.write_text(
        "user_id,article_id\n"
        + "".join(f"u{u},a{items[-1]}\n" for u, items in enumerate(histories()))
    )
    return articles, train, test


@pytest.mark.parametrize("timestamps", [True, False])
def test_lm_is_trained_on_the_files_order_and_ranks_every_reader(tmp_path, timestamps):
    articles, train, test = _library_files(tmp_path, timestamps=timestamps)
    out = tmp_path / "lm.json"

    call_command(
        "evaluate_offline",
        *("--articles", articles, "--train", train, "--test", test, "--model", "lm"),
        *("--time-budget", "3", "--threads", "1", "--json", out),
    )

    result = json.loads(out.read_text())
    assert result["model"] == "lm"
    assert result["ordered"] is timestamps
    assert result["users_evaluated"] == len(histories())
    assert result["params"]["time_budget_s"] == 3.0
    assert result["train_seconds"] < 10.0
    assert set(result["validation"]) >= {"ndcg@10_val", "recall@20_val", "best_epoch"}
    assert 0.0 <= result["ndcg@10"] <= result["recall@20"] <= 1.0


def test_a_non_positive_time_budget_is_refused(tmp_path):
    articles, train, test = _library_files(tmp_path, timestamps=True)

    with pytest.raises(CommandError, match="--time-budget must be > 0"):
        call_command(
            "evaluate_offline",
            *("--articles", articles, "--train", train, "--test", test, "--model", "lm"),
            *("--time-budget", "0"),
        )
