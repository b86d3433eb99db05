"""recommender.ml.similar: the "more like this" blend of text, co-reading and topics."""

import numpy as np

from recommender.ml.similar import similar_score, topic_agreement


def test_topic_agreement_is_the_jaccard_index_of_the_two_topic_sets():
    assert topic_agreement(["space"], ["space"]) == 1.0
    assert topic_agreement(["space", "history"], ["space"]) == 0.5
    assert topic_agreement(["space"], ["travel"]) == 0.0
    assert topic_agreement([], ["travel"]) == 0.0
    assert topic_agreement([], []) == 0.0


def test_agreeing_topics_outrank_a_closer_text_from_another_topic():
    # given: a template twin from another topic, a little closer in text than a same-topic one
    twin = {"text": 0.48, "coread": 0.0, "topics": 0.0}
    same_topic = {"text": 0.43, "coread": 0.0, "topics": 1.0}

    # when
    weights = {"coread_weight": 0.5, "topic_weight": 0.15}
    scores = [similar_score(**pair, **weights) for pair in (twin, same_topic)]

    # then
    assert scores == [0.5 * 0.48, 0.5 * 0.43 + 0.15]
    assert scores[1] > scores[0]


def test_without_a_topic_weight_the_score_is_text_and_co_reading_alone():
    # given: aligned arrays of pairs, as the benchmark scores them
    text, coread, topics = np.array([0.2, 0.8]), np.array([0.6, 0.0]), np.array([1.0, 0.0])

    # when
    scores = similar_score(
        text=text, coread=coread, topics=topics, coread_weight=0.25, topic_weight=0.0
    )

    # then
    np.testing.assert_allclose(scores, [0.75 * 0.2 + 0.25 * 0.6, 0.75 * 0.8])
