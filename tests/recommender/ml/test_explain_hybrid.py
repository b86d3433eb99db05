"""Explanations of the hybrid's lists, checked against the hybrid's own score (tiny synthetic
data; the text encoder is replaced by fixed vectors)."""

import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from recommender.management.commands.evaluate_offline import Command
from recommender.ml import explain_eval, explain_hybrid
from recommender.ml.explain_eval import evaluate_hybrid_explanations
from recommender.ml.hybrid import HybridRecommender, history
from tests.recommender.ml.mixin import synthetic_matrix


@pytest.fixture(scope="module")
def matrix():
    return synthetic_matrix()


@pytest.fixture(scope="module")
def hybrid(matrix):
    # Text vectors aligned with the two taste groups (items 0-7 and 8-15), a little noise.
    rng = np.random.default_rng(0)
    vectors = rng.normal(scale=0.3, size=(matrix.shape[1], 4)).astype(np.float32)
    vectors[:8, 0] += 1.0
    vectors[8:, 1] += 1.0
    model = HybridRecommender(vectors, factors=4, iterations=6, alpha=5.0, threads=1, pool=4)
    return model.fit(matrix)


def titles(matrix):
    return {item_id: f"Title {item_id}" for item_id in matrix.item_ids.tolist()}


def test_contributions_are_the_drops_of_the_re_scored_hybrid(hybrid, matrix):
    idx, weights = history(matrix, 2)
    seen = matrix.seen(2)

    def score(columns, kept):
        return hybrid.reader_scores(columns, kept, seen)

    targets = np.setdiff1d(np.arange(matrix.shape[1]), seen)
    ablation = explain_hybrid.HybridAblation(score, idx, weights, targets)

    contributions = ablation.contributions()

    full = score(idx, weights)
    for position in range(len(idx)):
        keep = np.arange(len(idx)) != position
        dropped = full[targets] - score(idx[keep], weights[keep])[targets]
        np.testing.assert_allclose(contributions[:, position], dropped, rtol=1e-5, atol=1e-6)
        for row, target in enumerate(targets.tolist()):
            assert ablation.lowers(target)((position,)) == (dropped[row] > 0)


def test_a_long_history_is_measured_on_its_heaviest_articles(monkeypatch):
    monkeypatch.setattr(explain_hybrid, "LOO_LIMIT", 2)
    weights = np.array([1.0, 3.0, 1.0, 2.0], dtype=np.float32)
    ablation = explain_hybrid.HybridAblation(
        lambda columns, kept: np.full(5, kept.sum()), np.arange(4), weights, [4]
    )

    assert ablation.measured().tolist() == [1, 3]
    np.testing.assert_allclose(ablation.contributions(), [[0.0, 3.0, 0.0, 2.0]])


def test_offline_audit_of_hybrid_explanations_is_faithful_and_valid(hybrid, matrix):
    result = evaluate_hybrid_explanations(
        hybrid, matrix, np.arange(10), k=3, titles=titles(matrix), seed=0
    )

    assert result["explanations"] + result["unexplained"] == 30
    assert result["citing_explanations"] > 0
    assert result["invalid_citations"] == 0
    assert result["explanation_fidelity"] == 1.0
    assert set(result["style_counts"]) <= {"because_you_read", "co_readers", "similar_text"}
    assert 0 <= result["mf_evidence_fidelity"] <= 1


def test_a_citation_the_hybrids_ablation_disagrees_with_counts_as_unfaithful(
    hybrid, matrix, monkeypatch
):
    # given: a selection that cites the articles whose removal RAISES the score (the opposite
    # of the leave-one-out drops) and trusts them without checking
    class Contrary(explain_hybrid.HybridAblation):
        def contributions(self):
            return -super().contributions()

        def lowers(self, target):
            return lambda positions: True

    monkeypatch.setattr(explain_eval, "HybridAblation", Contrary)

    # when
    result = evaluate_hybrid_explanations(
        hybrid, matrix, np.arange(10), k=3, titles=titles(matrix), seed=0
    )

    # then: the audit re-scores from scratch and finds every such citation unfaithful
    assert result["citing_explanations"] > 0
    assert result["explanation_fidelity"] == 0.0


def test_evaluate_offline_explains_the_hybrid(tmp_path, monkeypatch, two_subject_csvs):
    vectors = np.zeros((12, 4), dtype=np.float32)
    vectors[:6, 0] = vectors[6:, 1] = 1.0
    monkeypatch.setattr(Command, "_embeddings", lambda self, articles: vectors)
    articles, train, test = two_subject_csvs([f"Title {i}" for i in range(12)], readers=12, reads=4)
    out = tmp_path / "out.json"
    stdout = StringIO()

    call_command(
        "evaluate_offline",
        *(f"--articles={articles}", f"--train={train}", f"--test={test}", f"--json={out}"),
        *("--model=hybrid", "--factors=2", "--iterations=5", "--threads=1", "--k", "2"),
        *("--search-trials=1", "--explain", "--max-users=5"),
        stdout=stdout,
    )

    result = json.loads(out.read_text())
    assert result["model"] == "hybrid"
    assert result["explain_users"] == 5
    assert result["citing_explanations"] > 0
    assert result["invalid_citations"] == 0
    assert result["explanation_fidelity"] == 1.0
    assert "invalid citations 0" in stdout.getvalue()
