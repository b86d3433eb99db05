"""The real all-MiniLM-L6-v2 encoder (loaded once per test process) on a handful of texts."""

import numpy as np
import pytest

from recommender.ml.text import (
    EmbeddingCache,
    EncoderUnavailable,
    article_text,
    get_encoder,
    resolve_model_dir,
    text_hash,
)

TEXTS = [
    "Black holes at the centre of galaxies",
    "Telescopes observe distant stars and planets",
    "Gene expression in bacteria",
    "Proteins fold inside living cells. A long abstract about molecular biology, enzymes, "
    "membranes and the chemistry of life that makes this text much longer than the others.",
]


@pytest.fixture(scope="module")
def encoder():
    return get_encoder()


def test_embeddings_are_unit_float32_384d(encoder):
    vectors = encoder.encode(TEXTS)

    assert vectors.shape == (4, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


def test_similar_subjects_are_closer(encoder):
    vectors = encoder.encode(TEXTS)

    similarity = vectors @ vectors.T

    assert similarity[0, 1] > similarity[0, 2]
    assert similarity[2, 3] > similarity[1, 3]


def test_batching_and_padding_do_not_change_the_embeddings(encoder):
    together = encoder.encode(TEXTS, batch_size=4)

    alone = np.concatenate([encoder.encode([text]) for text in TEXTS])

    np.testing.assert_allclose(together, alone, atol=2e-2)
    assert np.min(np.sum(together * alone, axis=1)) > 0.999


def test_the_encoder_is_loaded_once_per_process(encoder):
    assert get_encoder() is encoder


def test_a_missing_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(EncoderUnavailable, match="no config.json"):
        resolve_model_dir(tmp_path)


def test_text_hash_depends_on_encoder_and_text():
    assert len(text_hash("a", "x")) == 64
    assert text_hash("a", "x") == text_hash("a", "x")
    assert text_hash("a", "x") != text_hash("b", "x")
    assert text_hash("a", "x") != text_hash("a", "y")


def test_article_text_is_title_and_summary():
    assert article_text("  Black  holes ", "Dense\nstars.") == "Black holes. Dense stars."
    assert article_text("Black holes", "") == "Black holes"


def test_the_disk_cache_encodes_each_text_once(tmp_path):
    # given
    calls = []

    def encode(texts):
        calls.append(list(texts))
        return np.stack([np.full(3, len(text), dtype=np.float32) for text in texts])

    EmbeddingCache(tmp_path, "enc").embed(["a", "bb"], encode)

    # when
    vectors, encoded = EmbeddingCache(tmp_path, "enc").embed(["bb", "ccc", "a"], encode)

    # then
    assert calls == [["a", "bb"], ["ccc"]]
    assert encoded == 1
    np.testing.assert_array_equal(vectors[:, 0], [2.0, 3.0, 1.0])
