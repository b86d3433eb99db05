"""Content evidence (issue 4's text encoder): "close in subject to X" citations and the key
phrases of a reader's "me" page."""

import numpy as np
import pytest

from articles.models import Interaction
from recommender.cache import lists
from recommender.explaining import evidence
from recommender.explaining.explanations import recommendations_with_explanations
from recommender.explaining.interests import MAX_PHRASES, reader_interests, reader_phrases_mine
from recommender.ml.phrases import candidate_phrases, select_phrases
from recommender.ranking import interests
from recommender.runtime.embeddings import embedding_index
from recommender.runtime.mf import loaded_mf
from tests.factories import InteractionFactory


@pytest.fixture
def astronomy_reader(text_mf_version, reader):
    for article in text_mf_version_articles(text_mf_version)[:4]:
        InteractionFactory(user=reader, article=article, event=Interaction.Event.READ)
    return reader


def text_mf_version_articles(_version):
    from articles.models import Article

    return list(Article.objects.filter(topics__slug="astronomy").order_by("pk"))


def test_similar_text_cites_a_close_history_article_that_drives_the_score(astronomy_reader):
    result = recommendations_with_explanations(user=astronomy_reader, n=15)
    index = embedding_index()
    options = evidence.mf_options(
        evidence.reader_read(user_id=astronomy_reader.pk),
        loaded_mf(version=lists.active_version(kind="mf")),
        [item.article["id"] for item in result.items],
        index,
    )
    found = {t: f["similar_text"] for t, f in options.items() if "similar_text" in f}

    history = {a.pk for a in text_mf_version_articles(None)[:4]}
    assert found
    for target, facts in found.items():
        (cited,) = facts["articles"]
        _, vectors = index.vectors_of([target, cited])
        assert cited in history
        assert facts["similarity"] == round(float(vectors[0] @ vectors[1]), 3)
        assert facts["similarity"] >= evidence.SIMILAR_TEXT_MIN


def test_candidate_phrases_skip_stopword_edges():
    phrases = candidate_phrases(["The expansion of the universe", "Dark matter in the universe"])

    assert phrases[0] == "universe"
    assert "expansion" in phrases and "dark matter" in phrases
    assert not [p for p in phrases if p.startswith(("the ", "of ")) or p.endswith((" the", " in"))]


def test_selected_phrases_are_close_to_the_profile_and_not_redundant():
    vectors = np.array([[1, 0], [0.99, 0.141], [0, 1], [0.7, 0.714]], dtype=np.float32)

    chosen = select_phrases(
        ["dark matter", "dark energy", "gene", "galaxy"], vectors, np.array([1.0, 0.0]), n=3
    )

    assert [phrase for phrase, _ in chosen] == ["dark matter", "galaxy", "gene"]


def test_key_phrases_are_mined_from_the_history_with_the_encoder(astronomy_reader):
    phrases = reader_phrases_mine(user_id=astronomy_reader.pk)

    words = " ".join(phrases)
    titles = " ".join(a.title.lower() for a in text_mf_version_articles(None)[:4])
    assert 1 <= len(phrases) <= MAX_PHRASES
    assert all(word in titles for word in words.split())
    assert reader_interests(user=astronomy_reader).phrases == phrases


def test_a_hidden_phrase_leaves_the_interests_and_its_articles_the_list(
    astronomy_reader, django_capture_on_commit_callbacks
):
    mined = reader_phrases_mine(user_id=astronomy_reader.pk)
    before = recommendations_with_explanations(user=astronomy_reader, n=40)

    with django_capture_on_commit_callbacks(execute=True):
        interests.interest_hide(user=astronomy_reader, phrase=mined[0])
        interests.interest_hide(user=astronomy_reader, phrase="Universe ")
    after = recommendations_with_explanations(user=astronomy_reader, n=40)

    assert mined[0] not in reader_interests(user=astronomy_reader).phrases
    assert any("universe" in item.article["title"].lower() for item in before.items)
    assert not any("universe" in item.article["title"].lower() for item in after.items)
    assert len(after.items) < len(before.items)


def test_a_content_list_is_explained_by_the_closest_history_articles(text_clusters, reader):
    # given a reader with two astronomy reads: too little history for MF (content strategy)
    read = text_clusters.a[:2]
    for article in read:
        InteractionFactory(user=reader, article=article, event=Interaction.Event.READ)

    result = recommendations_with_explanations(user=reader, n=10)

    index = embedding_index()
    similar = [i for i in result.items if i.explanation["style"] == "similar_text"]
    assert result.strategy == "content"
    assert similar
    assert all(
        i.explanation["evidence"].get("articles", [read[0].pk])[0] in {a.pk for a in read}
        for i in result.items
    )
    for item in similar:
        (cited,) = item.explanation["evidence"]["articles"]
        _, vectors = index.vectors_of([item.article["id"], cited])
        assert item.explanation["evidence"]["similarity"] == round(
            float(vectors[0] @ vectors[1]), 3
        )
        assert item.explanation["text"].startswith("Close in subject to \u201c")


def test_chinese_candidate_phrases_are_repeated_runs_of_characters():
    titles = ["近视防控领域的一场静悄悄的变革", "一文读懂近视防控", "近视防控的未来", "火箭的未来"]

    phrases = candidate_phrases(titles)

    # the longest run the texts share, not its pieces, and none cut at a function character
    assert phrases == ["近视防控", "未来"]


def test_chinese_phrases_contained_in_a_chosen_one_are_redundant():
    # "防控" is not close enough to "近视防控" to be redundant by its embedding (cosine 0.7)
    vectors = np.array([[1, 0], [0.7, 0.714], [0, 1]], dtype=np.float32)

    chosen = select_phrases(["近视防控", "防控", "火箭"], vectors, np.array([1.0, 0.0]), n=3)

    assert [phrase for phrase, _ in chosen] == ["近视防控", "火箭"]
