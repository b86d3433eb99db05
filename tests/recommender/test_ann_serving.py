"""Serving from approximate nearest-neighbour candidates once the catalogue is large (forced
low here): the same lists as full scoring on an easy case, indexes versioned with the model."""

import numpy as np
import pytest

from articles.models import Interaction
from recommender import selectors
from recommender.cache import lists
from recommender.ml.ann import EMBEDDINGS_INDEX, MF_INDEX, InnerProductIndex
from recommender.ml.content import normalize_rows
from recommender.models import ModelVersion
from recommender.ranking.serving import _personalized, recommendations_for_user
from recommender.runtime.ann import hybrid_index, mf_index
from recommender.runtime.artifacts import artifact_directory
from recommender.runtime.embeddings import EmbeddingIndex, embedding_index
from recommender.runtime.hybrid import loaded_hybrid
from recommender.runtime.mf import loaded_mf
from recommender.training.mf import model_version_train_mf
from tests.factories import UserFactory

MF = ModelVersion.Kind.MF
HYBRID = ModelVersion.Kind.HYBRID


def served(reader) -> list[tuple[int, float]]:
    version = lists.active_version(kind=MF)
    ranked = _personalized(
        reader.pk,
        loaded_mf(version=version),
        selectors.interaction_events_of(user_id=reader.pk),
        version.artifact_path,
        loaded_hybrid(mf=version),
    )
    return [(article_id, score) for article_id, score, _ in ranked.items]


@pytest.fixture
def ann_settings(mf_settings):
    mf_settings.RECSITE_ANN_MIN_ARTICLES = 10  # the 40 articles of ``clusters`` are "large"
    return mf_settings


def test_a_small_catalogue_gets_no_index(mf_settings, clusters):
    # given: the default threshold, far above 40 articles
    mf_settings.RECSITE_HYBRID_MIN_GAIN = -1.0

    # when
    mf = model_version_train_mf()

    # then: no index is written, so lists are scored over the whole catalogue
    hybrid = ModelVersion.objects.get(kind=HYBRID)
    assert not list(artifact_directory(mf.artifact_path).glob("*.faiss"))
    assert not list(artifact_directory(hybrid.artifact_path).glob("*.faiss"))


def test_the_hybrid_serves_the_same_list_from_ann_candidates(ann_settings, text_clusters):
    # given: an active hybrid over a catalogue above the threshold
    ann_settings.RECSITE_HYBRID_MIN_GAIN = -1.0
    model_version_train_mf()
    hybrid = loaded_hybrid(mf=lists.active_version(kind=MF))
    assert hybrid is not None and hybrid_index(hybrid=hybrid) is not None

    for reader in text_clusters.readers[::5]:
        # when: the list is computed from candidates, then over the whole catalogue
        approximate = served(reader)
        ann_settings.RECSITE_ANN_MIN_ARTICLES = 10**9
        exact = served(reader)
        ann_settings.RECSITE_ANN_MIN_ARTICLES = 10

        # then: the same articles in the same order at the top, with the same scores
        assert [pk for pk, _ in approximate[:10]] == [pk for pk, _ in exact[:10]]
        assert [score for _, score in approximate[:10]] == pytest.approx(
            [score for _, score in exact[:10]], rel=1e-4
        )


def test_a_new_article_reaches_matching_readers_through_ann_candidates(
    ann_settings, text_clusters, publish_astronomy_article
):
    # given: an active hybrid with an index; an astronomy article published after training
    ann_settings.RECSITE_HYBRID_MIN_GAIN = -1.0
    model_version_train_mf()
    astronomer = text_clusters.readers[0]
    new = publish_astronomy_article()

    # when
    ranked = [item.article["id"] for item in recommendations_for_user(user=astronomer, n=100).items]

    # then
    unread_biology = {article.pk for article in text_clusters.b}
    assert new.pk in ranked
    assert ranked.index(new.pk) < min(ranked.index(pk) for pk in unread_biology)


def test_mf_alone_serves_the_same_list_from_its_index(ann_settings, clusters):
    # given: MF serves alone (the hybrid does not activate) over a catalogue with an index
    mf = model_version_train_mf()
    version = lists.active_version(kind=MF)
    assert loaded_hybrid(mf=version) is None
    assert mf_index(loaded=loaded_mf(version=version), artifact_path=mf.artifact_path)

    # when
    approximate = served(clusters.readers[0])
    ann_settings.RECSITE_ANN_MIN_ARTICLES = 10**9
    exact = served(clusters.readers[0])

    # then
    assert [pk for pk, _ in approximate] == [pk for pk, _ in exact]
    assert len(approximate) == 32  # 40 articles, 8 read


def test_a_retrain_builds_new_indexes_and_serving_switches_to_them(
    ann_settings, clusters, django_capture_on_commit_callbacks
):
    # given: a first version with its indexes; any new version activates
    ann_settings.RECSITE_HYBRID_MIN_GAIN = -1.0
    ann_settings.RECSITE_ACTIVATION_TOLERANCE = 1.0
    first = model_version_train_mf()
    first_hybrid = ModelVersion.objects.get(kind=HYBRID, params__mf_version=first.pk)
    hybrid_index(hybrid=loaded_hybrid(mf=lists.active_version(kind=MF)))

    # when: the model is retrained (its activation forgets the cached active versions on commit)
    with django_capture_on_commit_callbacks(execute=True):
        second = model_version_train_mf()

    # then: the new versions have their own indexes, and serving loads the new hybrid's
    second_hybrid = ModelVersion.objects.get(kind=HYBRID, params__mf_version=second.pk)
    for version in (second, second_hybrid):
        assert list(artifact_directory(version.artifact_path).glob("*.faiss"))
    assert (artifact_directory(second.artifact_path) / f"{MF_INDEX}.faiss").is_file()
    hybrid = loaded_hybrid(mf=lists.active_version(kind=MF))
    assert hybrid.version_id == second_hybrid.pk != first_hybrid.pk
    assert hybrid_index(hybrid=hybrid) is not None
    assert served(clusters.readers[0])


def test_the_embedding_index_finds_the_same_top_rows_with_its_ann_index():
    # given: a snapshot of 300 vectors, two of them rewritten since (the overlay) and one new
    rng = np.random.default_rng(0)
    base = normalize_rows(rng.standard_normal((300, 16)).astype(np.float32))
    extra = normalize_rows(rng.standard_normal((3, 16)).astype(np.float32))
    args = ("enc", np.arange(1, 301), base, [5, 9, 1000], extra)
    exact = EmbeddingIndex(*args)
    approximate = EmbeddingIndex(*args, ann=InnerProductIndex.build(base))
    query = normalize_rows(base[4] + extra[2])

    # when: both are asked for the best 20, two rows excluded
    excluded = [exact.row_of[7], exact.row_of[1000]]
    rows, scores = approximate.top(query, 20, excluded)

    # then: the same rows and scores, stale and excluded rows never among them
    expected_rows, expected_scores = exact.top(query, 20, excluded)
    assert rows.tolist() == expected_rows.tolist()
    np.testing.assert_allclose(scores, expected_scores, rtol=1e-5)
    assert not set(rows.tolist()) & {4, 8, *excluded}  # rows of articles 5 and 9: replaced


def test_a_large_snapshot_gets_an_index_that_content_lists_use(ann_settings, text_clusters):
    # given: the 40 articles embedded and a snapshot taken, a catalogue above the threshold
    clusters = text_clusters

    # when: a reader with too little history for MF is ranked by text
    index = embedding_index()
    reader = UserFactory()
    Interaction.objects.create(user=reader, article=clusters.a[0], event=Interaction.Event.READ)
    result = recommendations_for_user(user=reader, n=10)

    # then: the snapshot has an index, and the list comes from it
    snapshot = lists.active_version(kind=ModelVersion.Kind.ENCODER)
    assert (artifact_directory(snapshot.artifact_path) / f"{EMBEDDINGS_INDEX}.faiss").is_file()
    assert index is not None and index.ann is not None
    assert result.strategy == "content"
    assert len(result.items) == 10
    assert clusters.a[0].pk not in [item.article["id"] for item in result.items]
