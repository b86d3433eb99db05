"""evaluate_offline --model hybrid (no database; the text encoder is replaced by fixed vectors)."""

import json
from io import StringIO

import numpy as np
from django.core.management import call_command

from recommender.management.commands.evaluate_offline import Command


def test_evaluate_offline_hybrid_records_its_learned_weights(
    tmp_path, monkeypatch, two_subject_csvs
):
    # given: two subjects of 6 articles with subject-aligned text vectors; each reader reads 4
    # of their subject's and holds out a 5th
    vectors = np.zeros((12, 4), dtype=np.float32)
    vectors[:6, 0] = vectors[6:, 1] = 1.0
    monkeypatch.setattr(Command, "_embeddings", lambda self, articles: vectors)
    articles, train, test = two_subject_csvs([f"Title {i}" for i in range(12)], readers=12, reads=4)
    out = tmp_path / "out.json"

    # when
    call_command(
        "evaluate_offline",
        *(f"--articles={articles}", f"--train={train}", f"--test={test}", f"--json={out}"),
        *("--model=hybrid", "--factors=2", "--iterations=5", "--threads=1", "--k", "2"),
        stdout=StringIO(),
    )

    # then
    result = json.loads(out.read_text())
    assert result["model"] == "hybrid"
    assert result["users_evaluated"] == 12
    assert result["params"]["factors"] == 2
    assert set(result["params"]["weights"]) >= {"mf", "content", "popularity", "recency", "lm"}
    assert result["recall@2"] == 1.0  # the two unread articles of the reader's subject first
