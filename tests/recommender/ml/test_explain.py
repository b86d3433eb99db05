import numpy as np
import pytest
from django.core.management import CommandError

from recommender.ml import explain
from recommender.ml.explain_eval import evaluate_explanations
from recommender.ml.mf import ImplicitALS
from tests.recommender.ml.mixin import synthetic_matrix
from tests.recommender.ml.test_commands import _run, split_files  # noqa: F401 (fixture)


@pytest.fixture(scope="module")
def matrix():
    return synthetic_matrix()


@pytest.fixture(scope="module")
def model(matrix):
    return ImplicitALS(factors=4, iterations=6, alpha=5.0, regularization=0.1, seed=0).fit(matrix)


def history(matrix, user):
    row = matrix.positives[user]
    return row.indices.astype(np.int64), row.data.astype(np.float32)


@pytest.mark.parametrize("user", [0, 3, 6])
def test_contributions_add_up_to_the_fold_in_score(model, matrix, user):
    idx, weights = history(matrix, user)
    targets = np.arange(matrix.shape[1])

    contributions = explain.mf_contributions(model, idx, weights, targets)

    scores = model.scores_for_vector(model.fold_in(idx, weights))
    assert contributions.shape == (len(targets), len(idx))
    np.testing.assert_allclose(contributions.sum(axis=1), scores, rtol=1e-4, atol=1e-5)


def test_contributions_need_positive_weights(model):
    with pytest.raises(ValueError, match="positive"):
        explain.mf_contributions(model, np.array([1, 2]), np.array([1.0, 0.0]), np.array([3]))


def test_an_even_reader_is_explained_by_their_even_items(model, matrix):
    idx, weights = history(matrix, 2)
    target = 7 if 7 not in idx else 6

    row = explain.mf_contributions(model, idx, weights, np.array([target]))[0]
    citation = explain.faithful_citation(row, explain.mf_lowers(model, idx, weights, target))

    assert citation is not None
    assert idx[citation.lead] == idx[np.argmax(row)]
    assert idx[citation.lead] < 8
    assert explain.ablated_score(model, idx, weights, target, idx[[citation.lead]]) < (
        explain.ablated_score(model, idx, weights, target, ())
    )


def test_citation_takes_the_strongest_trusted_positive_contributor():
    contributions = np.array([0.5, -0.9, 0.3, 0.2])

    plain = explain.select_citation(contributions)
    distrusted = explain.select_citation(contributions, trust=np.array([0.0, 1, 1, 1]))
    halved = explain.select_citation(contributions, trust=np.array([0.5, 1, 1, 1]))

    assert plain == explain.Citation(0, (), None)
    assert distrusted == explain.Citation(2, (), None)
    assert halved == explain.Citation(2, (), None)  # 0.25 < 0.3


def test_citation_counts_only_contributors_on_a_topic_the_target_has():
    contributions = np.array([0.5, 0.4, 0.3, 0.2, -0.1])
    topics = [{"nets", "bio"}, {"nets"}, {"bio"}, {"nets"}, {"nets"}]

    citation = explain.select_citation(
        contributions, topics_of=lambda p: topics[p], target_topics={"nets", "physics"}
    )

    assert citation == explain.Citation(0, (1, 3), "nets")


def test_nothing_is_cited_without_a_positive_contributor():
    assert explain.select_citation(np.array([-0.1, 0.0])) is None
    assert explain.select_citation(np.array([0.4]), trust=np.array([0.0])) is None


def test_supported_citation_prefers_more_support_among_contributors(model, matrix):
    idx, weights = history(matrix, 2)
    target = 7 if 7 not in idx else 6
    row = explain.mf_contributions(model, idx, weights, np.array([target]))[0]
    counts = np.zeros(len(idx), dtype=np.int64)
    positive = np.flatnonzero(row > 0)
    counts[positive[-1]] = 3
    counts[positive[0]] = 1

    lowers = explain.mf_lowers(model, idx, weights, target)
    position = explain.supported_citation(row, counts, lowers, minimum=1)
    none = explain.supported_citation(row, np.zeros(len(idx)), lowers, minimum=1)

    assert position == positive[-1]
    assert none is None


def test_offline_audit_finds_faithful_valid_explanations(model, matrix):
    titles = {item_id: f"Title {item_id}" for item_id in matrix.item_ids.tolist()}

    result = evaluate_explanations(model, matrix, np.arange(8), k=3, titles=titles, seed=0)

    assert result["explanations"] == 24
    assert result["unexplained"] == 0
    assert result["invalid_citations"] == 0
    assert result["explanation_fidelity"] == 1.0
    assert sum(result["style_counts"].values()) == 24
    assert set(result["style_counts"]) <= {"because_you_read", "co_readers"}
    assert 0 < result["unique_explanation_ratio"] <= 1


def test_evaluate_offline_explain_adds_the_explanation_audit(split_files, tmp_path):  # noqa: F811
    out = tmp_path / "out.json"

    result = _run(*split_files, out, "--model=mf", "--factors=4", "--threads=1", "--explain")
    sampled = _run(*split_files, out, "--model=mf", "--factors=4", "--explain", "--max-users=3")

    assert result["explain_users"] == 10
    assert result["explanations"] == 10 * 7  # each reader has 7 unread articles, not 10
    assert result["invalid_citations"] == 0
    assert result["explanation_fidelity"] == 1.0
    assert sum(result["style_counts"].values()) == result["explanations"] - result["unexplained"]
    assert sampled["explain_users"] == 3
    assert "fidelity 1.0, invalid citations 0" in out.with_suffix(".txt").read_text()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--model=popular", "--explain"], "--explain needs --model mf"),
        (["--model=mf", "--explain", "--max-users=0"], "--max-users must be > 0"),
    ],
)
def test_evaluate_offline_explain_rejects_bad_options(split_files, tmp_path, extra, message):  # noqa: F811
    with pytest.raises(CommandError, match=message):
        _run(*split_files, tmp_path / "out.json", *extra)
