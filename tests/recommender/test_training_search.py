"""A retrain searches MF and hybrid settings on its training split and records the search."""

import pytest

from recommender.ml import search as ml_search
from recommender.models import ModelVersion
from recommender.training import search as training_search
from recommender.training.mf import model_version_train_mf

START = {"factors": 2, "regularization": 0.05, "alpha": 10.0, "iterations": 10}


def hybrid_of(mf: ModelVersion) -> ModelVersion:
    return ModelVersion.objects.get(kind=ModelVersion.Kind.HYBRID, params__mf_version=mf.pk)


@pytest.fixture
def search_settings(mf_settings):
    mf_settings.RECSITE_MF_SEARCH_TRIALS = 3
    mf_settings.RECSITE_HYBRID_SEARCH_TRIALS = 2
    mf_settings.RECSITE_SEARCH_SECONDS = 600.0
    return mf_settings


def test_retrain_records_the_searches_and_serves_the_chosen_settings(search_settings, clusters):
    # when
    mf = model_version_train_mf()

    # then: three MF trials from the configured parameters (no factor count above the
    # 30 x 40 matrix's rank is tried), the chosen ones are the version's parameters
    mf.refresh_from_db()
    search = mf.metrics["search"]
    assert mf.status == ModelVersion.Status.ACTIVE
    assert len(search["tried"]) == 3
    assert search["stopped_by"] == "trials"
    assert search["tried"][0]["settings"] == START
    assert all(trial["settings"]["factors"] == 2 for trial in search["tried"])
    assert search["chosen"] in [trial["settings"] for trial in search["tried"]]
    assert search["score"] == max(trial["score"] for trial in search["tried"])
    assert {name: mf.params[name] for name in START} == search["chosen"]
    # and the hybrid's search: two settings from a pool of 30 with unread negatives, then
    # ablations
    hybrid = hybrid_of(mf)
    hybrid_search = hybrid.metrics["search"]
    pools = [
        t["settings"] for t in hybrid_search["tried"] if "dropped_features" not in t["settings"]
    ]
    assert len(pools) == 2
    assert pools[0] == {"pool": 30, "unread_negatives": True}
    assert hybrid.params["pool"] == hybrid_search["chosen"]["pool"]
    assert hybrid.params["unread_negatives"] == hybrid_search["chosen"]["unread_negatives"]


def test_the_search_never_sees_the_validation_split(search_settings, clusters, monkeypatch):
    # given: a spy on what the MF search is given
    seen = []

    def spy(matrix, **kwargs):
        seen.append(matrix)
        return ml_search.search_mf(matrix, **kwargs)

    monkeypatch.setattr(training_search, "search_mf", spy)

    # when
    mf = model_version_train_mf()

    # then: it got the interactions minus the 20 % per reader that measured the version
    (given,) = seen
    assert given.positives.nnz == 240 - 30 * 2
    assert mf.metrics["users_evaluated"] == 30


def test_a_spent_deadline_leaves_one_trial_per_search(search_settings, clusters):
    search_settings.RECSITE_SEARCH_SECONDS = 0.0

    mf = model_version_train_mf()

    assert len(mf.metrics["search"]["tried"]) == 1
    assert mf.metrics["search"]["stopped_by"] == "deadline"
    hybrid_search = hybrid_of(mf).metrics["search"]
    assert [t["settings"] for t in hybrid_search["tried"]] == [
        {"pool": 30, "unread_negatives": True}
    ]
    assert hybrid_search["stopped_by"] == "deadline"


def test_one_trial_means_no_search(mf_settings, clusters):
    mf = model_version_train_mf()

    assert "search" not in mf.metrics
    assert "search" not in hybrid_of(mf).metrics
    assert mf.params["factors"] == 2
