"""Explanations of a list the hybrid ranked cite evidence of the hybrid's own score."""

import numpy as np

from recommender import selectors
from recommender.cache import lists
from recommender.explaining.explanations import recommendations_with_explanations
from recommender.ml import sentences
from recommender.models import Explanation, ModelVersion
from recommender.ranking.serving import hybrid_reader
from recommender.runtime.hybrid import loaded_hybrid
from recommender.runtime.mf import loaded_mf
from recommender.training.mf import model_version_train_mf
from recommender.training.registry import model_version_activate
from tests.recommender.test_hybrid_serving import hybrid_of, set_weights


def test_a_hybrid_ranked_list_cites_what_lowers_the_hybrids_score(mf_settings, clusters):
    # given: an active hybrid whose blend ranks by MF reversed (astronomy readers get biology
    # first): MF's own contributions would explain none of that list
    mf_settings.RECSITE_HYBRID_MIN_GAIN = -1.0
    mf = model_version_train_mf()
    set_weights(hybrid_of(mf), mf=-1.0)
    reader = clusters.readers[0]

    # when
    result = recommendations_with_explanations(user=reader, n=8)

    # then: every citation, removed from the reader's history and the reader re-scored by the
    # hybrid from scratch, lowers the article's score
    version = lists.active_version(kind=ModelVersion.Kind.MF)
    hybrid = loaded_hybrid(mf=version)
    events = selectors.interaction_events_of(user_id=reader.pk)
    item_ids, idx, weights, score = hybrid_reader(
        reader.pk, loaded_mf(version=version), events, version.artifact_path, hybrid
    )
    column_of = {pk: column for column, pk in enumerate(item_ids.tolist())}
    full = score(idx, weights)
    biology = {article.pk for article in clusters.b}
    citing = 0
    for item in result.items:
        assert item.article["id"] in biology
        stored = Explanation.objects.get(pk=item.explanation["id"])
        assert stored.evidence["ranker"] == f"hybrid:{hybrid.version_id}"
        if stored.style not in sentences.CITING_STYLES:
            continue
        citing += 1
        cited = [column_of[pk] for pk in stored.evidence["articles"]]
        keep = ~np.isin(idx, cited)
        column = column_of[item.article["id"]]
        assert score(idx[keep], weights[keep])[column] < full[column]
    assert citing > 0


def test_explanations_made_for_mf_are_not_reused_for_the_hybrids_list(
    mf_settings, clusters, django_capture_on_commit_callbacks
):
    # given: the reader's list explained while MF ranked it alone (the hybrid stayed ready)
    mf = model_version_train_mf()
    reader = clusters.readers[0]
    by_mf = recommendations_with_explanations(user=reader, n=32)
    assert by_mf.ranker == {"kind": "mf", "version": mf.pk}

    # when: the hybrid ranks it
    with django_capture_on_commit_callbacks(execute=True):
        hybrid = model_version_activate(version=hybrid_of(mf), note="test")
    by_hybrid = recommendations_with_explanations(user=reader, n=32)

    # then: its explanations are made against the hybrid, not taken over from MF's
    assert by_hybrid.ranker == {"kind": "hybrid", "version": hybrid.pk}
    for item in by_hybrid.items:
        stored = Explanation.objects.get(pk=item.explanation["id"])
        assert stored.evidence["ranker"] == f"hybrid:{hybrid.pk}"
