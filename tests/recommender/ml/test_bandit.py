import numpy as np
import pytest

from recommender.ml import bandit
from recommender.ml.bandit import Votes

STYLES = ["because_you_read", "topic_match", "co_readers"]


def choices(counts, *, draws=300, trust=None, seed=0):
    rng = np.random.default_rng(seed)
    return [bandit.choose(STYLES, counts, rng=rng, trust=trust) for _ in range(draws)]


def test_same_seed_same_choices():
    counts = {"topic_match": Votes(3, 1)}

    assert choices(counts, seed=4) == choices(counts, seed=4)


def test_without_votes_every_style_is_tried():
    picked = choices({})

    assert set(picked) == set(STYLES)


def test_an_approved_style_is_chosen_most_of_the_time():
    counts = {"because_you_read": Votes(2, 30), "topic_match": Votes(40, 2)}

    picked = choices(counts)

    assert picked.count("topic_match") / len(picked) > 0.9


def test_a_distrusted_style_is_avoided_unless_nothing_else_is_trusted():
    avoided = choices({}, trust={"topic_match": 0.0})
    only_zero = choices({}, trust=dict.fromkeys(STYLES, 0.0), draws=50)

    assert "topic_match" not in avoided
    assert set(only_zero) == set(STYLES)


def test_no_style_to_choose_from_is_an_error():
    with pytest.raises(ValueError):
        bandit.choose([], {}, rng=np.random.default_rng(0))


def test_summary_reports_posteriors_and_probability_of_being_best():
    counts = {"because_you_read": Votes(9, 1), "topic_match": Votes(1, 9)}

    state = bandit.summary(STYLES, counts, rng=np.random.default_rng(0))

    assert state["because_you_read"]["mean"] == pytest.approx(10 / 12)
    assert state["co_readers"]["mean"] == 0.5
    assert state["because_you_read"]["up"] == 9
    assert sum(s["p_best"] for s in state.values()) == pytest.approx(1.0)
    assert state["because_you_read"]["p_best"] > 0.8
    assert state["topic_match"]["low"] < state["topic_match"]["mean"] < state["topic_match"]["high"]
