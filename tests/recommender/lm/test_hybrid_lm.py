"""The retrain's hybrid fitted with the active sequence LM, and served lists that use it: on the
tiny cycle catalogue (article i is followed by i + 1), where the LM knows the next article and
MF cannot."""

import numpy as np
from django.conf import settings
from django.core.cache import cache

from articles.models import Article, Interaction
from recommender import selectors
from recommender.cache import lists
from recommender.ml.artifacts import load_json
from recommender.ml.data import build_interaction_matrix
from recommender.ml.hybrid import HybridRecommender, SequenceInput
from recommender.ml.lm.model import SequenceLM
from recommender.ml.lm.sequences import ordered_histories
from recommender.models import ModelVersion
from recommender.ranking.serving import _personalized
from recommender.runtime.artifacts import artifact_directory
from recommender.runtime.hybrid import loaded_hybrid
from recommender.runtime.mf import loaded_mf
from recommender.runtime.sequences import sequence_state_key
from recommender.tasks import refresh_user_lists
from recommender.training.embeddings import article_vectors
from recommender.training.hybrid_lm import NEXT_SPLIT, CatalogueLM
from recommender.training.lm import model_version_train_lm
from recommender.training.mf import model_version_train_mf
from recommender.training.registry import model_version_activate
from tests.factories import ArticleFactory
from tests.recommender.ml.lm_tiny import histories


def hybrid_of(mf: ModelVersion) -> ModelVersion:
    return ModelVersion.objects.get(kind=ModelVersion.Kind.HYBRID, params__mf_version=mf.pk)


def served_list(reader) -> list[tuple[int, float]]:
    """The web process's cache-miss computation of the reader's personalised list."""
    version = lists.active_version(kind=ModelVersion.Kind.MF)
    served = _personalized(
        reader.pk,
        loaded_mf(version=version),
        selectors.interaction_events_of(user_id=reader.pk),
        version.artifact_path,
        loaded_hybrid(mf=version),
    )
    return [(article_id, score) for article_id, score, _ in served.items]


def test_a_retrain_with_an_active_lm_fits_the_hybrid_with_it(mf_settings, lm_version, library):
    # given: an active LM version; any hybrid better than MF activates
    mf_settings.RECSITE_HYBRID_MIN_GAIN = -1.0

    # when
    mf = model_version_train_mf()

    # then: the LM kept by its choice readers, weighed, named, and compared with MF alone on
    # the readers' next articles
    hybrid = hybrid_of(mf)
    assert hybrid.status == ModelVersion.Status.ACTIVE
    assert hybrid.params["lm_version"] == lm_version.pk
    assert hybrid.metrics["lm"]["version"] == lm_version.pk
    assert hybrid.metrics["lm"]["kept"] is True
    assert hybrid.metrics["lm"]["choice_readers"] > 0
    assert hybrid.metrics["weights"]["lm"] > 0
    assert hybrid.metrics["validation_split"] == NEXT_SPLIT
    assert hybrid.metrics["ndcg@10"] > hybrid.metrics["mf_ndcg@10"]
    assert f"on the same split ({NEXT_SPLIT})" in hybrid.activation_note
    recorded = load_json(artifact_directory(hybrid.artifact_path) / "version.json")
    assert recorded["lm_version"] == {
        "id": lm_version.pk,
        "artifact_path": lm_version.artifact_path,
    }


def test_served_scores_with_the_lm_equal_the_offline_scorers(mf_settings, lm_version, library):
    # given: the retrained hybrid with the LM, and the reader's state stored by the refresh
    mf_settings.RECSITE_HYBRID_MIN_GAIN = -1.0
    mf = model_version_train_mf()
    reader = library.readers[0]
    refresh_user_lists([reader.pk])
    offline = HybridRecommender.load(artifact_directory(hybrid_of(mf).artifact_path))
    rows = list(selectors.training_rows())
    matrix = build_interaction_matrix(
        rows,
        weights=settings.RECSITE_EVENT_WEIGHTS,
        cap=settings.RECSITE_WEIGHT_CAP,
        item_ids=selectors.published_article_ids(),
    )
    article_ids = matrix.item_ids.astype(np.int64).tolist()
    has_text, vectors = article_vectors(article_ids=article_ids)
    lm = SequenceLM.load(artifact_directory(lm_version.artifact_path))
    offline.sequence = SequenceInput(
        CatalogueLM(lm, article_ids, vectors, has_text), ordered_histories(rows, matrix).items
    )
    expected = offline.score_users(np.array([matrix.user_index(reader.pk)]), matrix)[0]

    # when
    served = served_list(reader)

    # then: every unread article, with the offline score (to float32 rounding of the state)
    assert len(served) == len(library.articles) - len(histories()[0])
    np.testing.assert_allclose(
        [score for _, score in served],
        [expected[matrix.item_index(article_id)] for article_id, _ in served],
        rtol=1e-5,
        atol=1e-5,
    )


def test_the_lm_puts_the_readers_next_article_first(mf_settings, lm_version, library):
    # given: the retrained hybrid with the LM; the reader's list without their state
    mf_settings.RECSITE_HYBRID_MIN_GAIN = -1.0
    model_version_train_mf()
    reader = library.readers[1]
    following = library.articles[(histories()[1][-1] + 1) % len(library.articles)]
    without_state = served_list(reader)

    # when: the worker's refresh stores the state
    refresh_user_lists([reader.pk])
    with_state = served_list(reader)

    # then
    assert with_state[0][0] == following.pk
    assert [pk for pk, _ in with_state] != [pk for pk, _ in without_state]


def test_a_new_lm_version_leaves_the_hybrid_on_the_one_it_was_fitted_with(
    mf_settings, lm_version, library, django_capture_on_commit_callbacks
):
    # given: the hybrid fitted with the LM, serving a reader
    mf_settings.RECSITE_HYBRID_MIN_GAIN = -1.0
    model_version_train_mf()
    reader = library.readers[2]
    refresh_user_lists([reader.pk])
    before = served_list(reader)

    # when: another LM version becomes active, and the reader's list is refreshed
    with django_capture_on_commit_callbacks(execute=True):  # serving hears of the switch
        newer = model_version_train_lm()
        model_version_activate(version=newer, note="By hand.")  # if it did not activate itself
    refresh_user_lists([reader.pk])

    # then: states under both versions; the list still scores with the hybrid's own LM
    assert newer.pk != lm_version.pk
    for version in (lm_version, newer):
        assert cache.get(sequence_state_key(version_id=version.pk, user_id=reader.pk))
    np.testing.assert_allclose(
        [score for _, score in served_list(reader)], [score for _, score in before], rtol=1e-5
    )


def test_an_lm_that_knows_none_of_the_articles_read_gets_no_weight(
    mf_settings, lm_version, library
):
    # given: after the LM's training, its articles are archived and readers read new ones
    # (without text), which the LM cannot tell apart: its feature is the same for every article
    mf_settings.RECSITE_HYBRID_MIN_GAIN = -1.0
    Article.objects.filter(pk__in=[article.pk for article in library.articles]).update(
        status=Article.Status.ARCHIVED
    )
    fresh = [ArticleFactory() for _ in library.articles]
    Interaction.objects.bulk_create(
        Interaction(user=reader, article=fresh[item], event=Interaction.Event.READ)
        for reader, items in zip(library.readers, histories(), strict=True)
        for item in items
    )

    # when
    mf = model_version_train_mf()

    # then: the choice readers dropped it; the hybrid is the one without the LM
    hybrid = hybrid_of(mf)
    assert hybrid.metrics["lm"]["version"] == lm_version.pk
    assert hybrid.metrics["lm"]["kept"] is False
    assert hybrid.metrics["weights"]["lm"] == 0.0
    assert hybrid.params["lm_version"] is None
    assert "validation_split" not in hybrid.metrics
    assert hybrid.metrics["mf_ndcg@10"] == mf.metrics["ndcg@10"]
    recorded = load_json(artifact_directory(hybrid.artifact_path) / "version.json")
    assert recorded["lm_version"] is None
