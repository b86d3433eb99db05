"""Model selection on validation data (recommender.ml.search), on tiny synthetic data."""

import numpy as np

from recommender.ml.search import (
    Budget,
    grid,
    random_search,
    search_hybrid,
    search_mf,
    search_split,
)
from tests.recommender.ml.mixin import synthetic_matrix

TINY_MF = {"factors": 2, "regularization": 0.05, "alpha": 10.0, "iterations": 5, "threads": 1}


def test_grid_starts_from_the_given_settings_then_visits_every_other_point_once():
    space = {"a": (1, 2, 3), "b": ("x", "y")}

    points = list(grid(space, first={"a": 2, "b": "y", "other": 0}, seed=0))

    assert points[0] == {"a": 2, "b": "y"}
    assert len(points) == 6
    assert {tuple(p.values()) for p in points} == {(a, b) for a in (1, 2, 3) for b in "xy"}


def test_random_search_stops_at_its_number_of_trials_and_keeps_the_best():
    scores = {1: 0.1, 2: 0.5, 3: 0.3, 4: 0.9}
    space = {"a": (1, 2, 3, 4)}

    result = random_search(
        grid(space, first={"a": 1}, seed=3), lambda s: scores[s["a"]], budget=Budget(trials=2)
    )

    assert len(result.trials) == 2
    assert result.stopped_by == "trials"
    assert result.trials[0].settings == {"a": 1}
    assert result.best == max(result.trials, key=lambda trial: trial.score)
    assert result.record()["chosen"] == result.best.settings


def test_no_trial_starts_after_the_deadline():
    # given: a clock that each trial moves on by 10 s, a deadline 15 s after the start
    now = [0.0]

    def score(settings):
        now[0] += 10.0
        return 0.0

    # when
    result = random_search(
        grid({"a": range(10)}, first={"a": 0}, seed=0),
        score,
        budget=Budget(trials=100, deadline=15.0),
        clock=lambda: now[0],
    )

    # then: the second trial started at 10 s, the third would have started at 20 s
    assert len(result.trials) == 2
    assert result.stopped_by == "deadline"
    assert [trial.seconds for trial in result.trials] == [10.0, 10.0]


def test_search_split_holds_out_part_of_each_readers_training_items_and_samples_readers():
    matrix = synthetic_matrix()

    fit, validation = search_split(matrix, seed=0, readers=5)

    pairs = {
        name: set(zip(*m.positives.nonzero(), strict=True))
        for name, m in (("all", matrix), ("fit", fit), ("validation", validation))
    }
    assert pairs["validation"] and pairs["validation"] <= pairs["all"] - pairs["fit"]
    assert np.count_nonzero(np.diff(validation.positives.indptr)) == 5


def test_mf_search_picks_the_better_of_two_obviously_different_settings():
    # given: a regularisation that shrinks every factor to ~0 (ranking by item index) to start
    # from, and a sensible one
    matrix = synthetic_matrix()
    params = {**TINY_MF, "regularization": 1e6}

    # when
    result = search_mf(
        matrix,
        params=params,
        space={"regularization": (1e6, 0.05)},
        budget=Budget(trials=5),
        seed=0,
    )

    # then
    assert [trial.settings for trial in result.trials] == [
        {"regularization": 1e6},
        {"regularization": 0.05},
    ]
    assert result.stopped_by == "space"
    assert result.best.settings == {"regularization": 0.05}
    assert result.trials[1].score > result.trials[0].score + 0.1


def test_pinned_settings_are_never_searched_and_factors_stay_below_the_matrix_rank():
    matrix = synthetic_matrix()  # 24 readers x 16 items

    result = search_mf(
        matrix,
        params=TINY_MF,
        pinned={"alpha": 5.0},
        space={"factors": (2, 16, 64), "alpha": (10.0, 40.0)},
        budget=Budget(trials=10),
    )

    assert [trial.settings for trial in result.trials] == [{"factors": 2}, {"factors": 16}]
    assert result.record()["pinned"] == {"alpha": 5.0}


def test_hybrid_search_tries_pools_within_its_budget_then_ablates_warm_features():
    matrix = synthetic_matrix()
    vectors = np.zeros((matrix.shape[1], 2), dtype=np.float32)
    vectors[:8, 0] = vectors[8:, 1] = 1.0

    result = search_hybrid(
        matrix,
        vectors,
        params={**TINY_MF, "pool": 3},
        space={"pool": (3, 5, 8)},
        budget=Budget(trials=2),
        seed=0,
    )

    fitted = [trial for trial in result.trials if not trial.ablation]
    ablations = [trial.settings["dropped_features"] for trial in result.trials if trial.ablation]
    assert [trial.settings for trial in fitted] == [{"pool": 3}, {"pool": 5}]
    assert ablations  # one by one, each weighed warm feature, never a cold one
    assert all(len(names) == 1 and not names[0].startswith("cold") for names in ablations)
    assert result.best in fitted
    assert result.best.score == max(trial.score for trial in fitted)


def test_features_are_dropped_only_by_a_refit_that_beats_every_other_fit():
    # given: text vectors that contradict the readers' tastes (item i's text is item 15 - i's
    # subject), so the text features mislead
    matrix = synthetic_matrix()
    vectors = np.zeros((matrix.shape[1], 2), dtype=np.float32)
    vectors[:8, 1] = vectors[8:, 0] = 1.0

    # when
    result = search_hybrid(
        matrix, vectors, params={**TINY_MF, "pool": 3}, space={}, budget=Budget(trials=2)
    )

    # then: some ablation helped, and the last trial is the refit without all those features,
    # chosen only if it beats the first fit
    helped = [
        trial.settings["dropped_features"][0]
        for trial in result.trials
        if trial.ablation and trial.score > result.trials[0].score
    ]
    last = result.trials[-1]
    assert helped
    assert not last.ablation
    assert last.settings == {"dropped_features": helped}
    assert result.best == (last if last.score > result.trials[0].score else result.trials[0])
