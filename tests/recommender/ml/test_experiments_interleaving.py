import numpy as np
import pytest

from recommender.ml.experiments.interleaving import credit, impression_winner, team_draft


def test_identical_lists_interleave_to_the_same_list_one_item_per_ranker_per_round():
    rankings = [[7, 8, 9, 10], [7, 8, 9, 10]]

    items, teams = team_draft(rankings, 4, np.random.default_rng(0))

    assert items == [7, 8, 9, 10]
    assert sorted(teams[:2]) == [0, 1]
    assert sorted(teams[2:]) == [0, 1]


def test_each_ranker_adds_its_best_item_not_yet_shown():
    rankings = [[1, 2, 3], [2, 1, 4]]

    items, teams = team_draft(rankings, 4, np.random.default_rng(0))

    # Whoever picks first takes its top item; the other then takes its best unused one.
    first_round = {0: 1, 1: 2} if teams[0] == 0 else {1: 2, 0: 1}
    assert items[0] == first_round[teams[0]]
    assert set(items) == {1, 2, 3, 4}
    assert [item for item, team in zip(items, teams, strict=True) if team == 0][-1] == 3


def test_stops_at_length_and_when_every_list_is_exhausted():
    rng = np.random.default_rng(1)

    short, _ = team_draft([[1, 2, 3], [4, 5, 6]], 3, rng)
    exhausted, teams = team_draft([[1], [1, 2, 3]], 10, rng)
    empty = team_draft([[1, 2], [3]], 0, rng)

    assert len(short) == 3
    assert sorted(exhausted) == [1, 2, 3]
    assert teams.count(1) >= 2
    assert empty == ([], [])


def test_negative_length_is_an_error():
    with pytest.raises(ValueError):
        team_draft([[1], [2]], -1, np.random.default_rng(0))


@pytest.mark.parametrize("arms", [2, 3])
def test_never_duplicates_and_contributions_stay_within_one(arms):
    rng = np.random.default_rng(42)
    for _ in range(300):
        # Overlapping lists drawn from a small catalogue, long enough never to run out.
        rankings = [rng.permutation(30)[:20].tolist() for _ in range(arms)]
        length = int(rng.integers(1, 21))

        items, teams = team_draft(rankings, length, rng)

        assert len(items) == length == len(teams)
        assert len(set(items)) == len(items)
        counts = np.bincount(teams, minlength=arms)
        assert counts.max() - counts.min() <= 1
        for item, team in zip(items, teams, strict=True):
            assert item in rankings[team]


def test_each_ranker_goes_first_about_half_the_time():
    rng = np.random.default_rng(3)

    firsts = [team_draft([[1, 2], [3, 4]], 2, rng)[1][0] for _ in range(2000)]

    assert 0.45 < np.mean(firsts) < 0.55


def test_same_seed_same_list():
    rankings = [[1, 2, 3, 4], [4, 3, 2, 1]]

    first = team_draft(rankings, 4, np.random.default_rng(9))
    second = team_draft(rankings, 4, np.random.default_rng(9))

    assert first == second


def test_clicks_are_credited_to_the_contributing_ranker_once_per_position():
    teams = [0, 1, 0, 1, 1]

    credits = credit(teams, [0, 2, 3, 3], arms=2)

    assert credits == [2, 1]
    assert credit(teams, [], arms=3) == [0, 0, 0]


def test_a_click_outside_the_list_is_an_error():
    with pytest.raises(ValueError):
        credit([0, 1], [2], arms=2)


def test_the_winner_of_an_impression_has_strictly_most_credited_clicks():
    assert impression_winner([2, 1]) == 0
    assert impression_winner([0, 3, 1]) == 1
    assert impression_winner([1, 1]) is None
    assert impression_winner([0, 0]) is None
