"""LMRecommender: the Recommender interface, artifacts without pickles, and evaluation."""

import numpy as np
import pytest

from recommender.ml.data import build_interaction_matrix
from recommender.ml.lm.evaluation import GenerativeRanking, validate
from recommender.ml.lm.histories import leave_last_out
from recommender.ml.lm.recommender import LMRecommender
from recommender.ml.metrics import evaluate
from tests.recommender.ml.mixin import N_ITEMS, RecommenderContract

from .lm_tiny import TINY_PARAMS, histories, titles, trained

pytestmark = pytest.mark.filterwarnings("ignore:.*attention_mask.*")

# The contract's two taste groups (items 0-7 and 8-15) as two themes of distinct titles.
CONTRACT_TITLES = [
    f"the {word} of {theme} {item % 2}"
    for theme, words in (
        ("stars", ("comets", "moons", "planets", "nebulae")),
        ("bread", ("sauces", "pastry", "soups", "noodles")),
    )
    for word in words
    for item in range(2)
]


class TestLMContract(RecommenderContract):
    artifact_suffixes = (".npy", ".json", ".safetensors")

    def make_model(self):
        # Fewer steps than the shared tiny LM: the contract fits a dozen times.
        params = {**TINY_PARAMS, "max_steps": 30, "num_beams": N_ITEMS}
        threads = params.pop("threads")
        return LMRecommender(**params, threads=threads)

    def fit_model(self, model, matrix):
        return model.fit(matrix, titles=CONTRACT_TITLES)


def library_matrix():
    rows = [
        (f"u{reader}", f"a{item}", "read", None, None)
        for reader, items in enumerate(histories())
        for item in items
    ]
    rows.append(("u0", "a29", "dislike", None, None))
    return build_interaction_matrix(rows, item_ids=[f"a{i}" for i in range(30)])


def test_save_load_round_trip_generates_the_same_results(tmp_path):
    lm = trained()
    reader = histories()[2]
    candidates = np.setdiff1d(np.arange(30), reader)
    before = lm.generate([lm.history_prompt(reader)], [candidates], n=5)

    lm.save(tmp_path)
    loaded = LMRecommender.load(tmp_path, threads=1)

    after = loaded.generate([loaded.history_prompt(reader)], [candidates], n=5)
    assert [g.keys for g in after[0]] == [g.keys for g in before[0]]
    np.testing.assert_allclose(
        [g.loglik for g in after[0]], [g.loglik for g in before[0]], rtol=1e-5
    )
    assert loaded.params == lm.params
    assert loaded.title_tokens == lm.title_tokens
    assert loaded.item_ids.tolist() == lm.item_ids.tolist()
    assert loaded.train_stats == lm.train_stats
    files = {path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*.*")}
    assert {path.rsplit(".", 1)[1] for path in files} == {"json", "npy", "safetensors"}
    assert "model/model.safetensors" in files


def test_load_refuses_another_models_artifacts(tmp_path):
    (tmp_path / "params.json").write_text('{"model": "mf", "format": 1}')

    with pytest.raises(ValueError, match="lm model"):
        LMRecommender.load(tmp_path)


def test_recommend_excludes_read_and_disliked_items_and_respects_candidates():
    lm = trained()
    matrix = library_matrix()

    items, scores = lm.recommend(0, matrix, n=5)
    only, _ = lm.recommend(0, matrix, n=5, candidates=np.array([3, 12, 29]))

    assert items.dtype == np.int64 and scores.dtype == np.float32
    assert len(items) == 5
    assert set(items.tolist()).isdisjoint(matrix.seen(0).tolist())
    assert 29 in matrix.seen(0)
    assert set(only.tolist()) == {3, 12} - set(matrix.seen(0).tolist())


def test_score_users_gives_every_item_a_log_likelihood():
    lm = trained()

    scores = lm.score_users(np.array([0, 1]), library_matrix())

    assert scores.shape == (2, 30)
    assert scores.dtype == np.float32
    assert np.all(scores < 0)


def test_fit_on_a_matrix_needs_one_title_per_column():
    with pytest.raises(ValueError, match="one title per column"):
        LMRecommender().fit(library_matrix(), titles=titles()[:5])


def test_validate_reports_perplexity_and_next_item_metrics_on_a_sample():
    _, held_out = leave_last_out(histories())

    metrics = validate(trained(), held_out, ks=(5, 10), max_users=6, seed=0)

    assert set(metrics) == {
        "perplexity",
        "recall@5",
        "ndcg@5",
        "recall@10",
        "ndcg@10",
        "users_evaluated",
    }
    assert metrics["users_evaluated"] == 6
    assert 1.0 < metrics["perplexity"] < 300.0
    assert 0.0 <= metrics["ndcg@5"] <= metrics["recall@10"] <= 1.0


def test_generative_ranking_scores_only_the_generated_top_k():
    lm = trained()
    matrix = library_matrix()
    ranking = GenerativeRanking(lm, k=4, candidates=np.arange(15, 30))

    scores = ranking.score_users(np.array([0, 1]), matrix)
    metrics = evaluate(ranking, matrix, matrix, ks=(4,), candidates=np.arange(15, 30))

    assert (np.isfinite(scores).sum(axis=1) == 4).all()
    assert not np.isfinite(scores[:, :15]).any()
    assert metrics["users_evaluated"] == 0  # every test item is a training item here
