"""Tokenizer and histories: how readers' histories become text for the LM."""

import numpy as np

from recommender.ml.lm.histories import history_tokens, leave_last_out, training_windows
from recommender.ml.lm.tokenizer import SEP, TitleTokenizer

from .lm_tiny import titles

TOKENS = [[10, 11], [12], [13, 14, 15], [16]]


def test_tokenizer_has_the_special_tokens_and_round_trips_through_its_file(tmp_path):
    tokenizer = TitleTokenizer.train(titles(), vocab_size=300)
    tokenizer.save(tmp_path / "tokenizer.json")

    loaded = TitleTokenizer.load(tmp_path / "tokenizer.json")

    assert loaded.ids == tokenizer.ids
    assert len(set(tokenizer.ids.__dict__.values())) == 4
    encoded = tokenizer.encode_titles(["The genes of Cells", "comets"], max_tokens=32)
    assert loaded.encode_titles(["The genes of Cells", "comets"], max_tokens=32) == encoded
    assert tokenizer.decode(encoded[0]) == "the genes of cells"  # lower-cased


def test_titles_never_contain_special_tokens_and_are_cut_to_the_limit():
    tokenizer = TitleTokenizer.train(titles(), vocab_size=300)

    [tokens] = tokenizer.encode_titles([f"stars {SEP} galaxies " * 20], max_tokens=7)

    assert len(tokens) == 7
    assert tokenizer.ids.sep not in tokens


def test_history_tokens_keep_the_most_recent_titles_that_fit():
    ids = TitleTokenizer.train(titles(), vocab_size=300).ids

    full = history_tokens([0, 1, 2], TOKENS, ids, max_tokens=100)
    cut = history_tokens([0, 1, 2, 3], TOKENS, ids, max_tokens=8)

    assert full == [ids.bos, 10, 11, ids.sep, 12, ids.sep, 13, 14, 15, ids.sep]
    assert cut == [ids.bos, 13, 14, 15, ids.sep, 16, ids.sep]


def test_leave_last_out_holds_out_the_last_item_of_long_enough_histories():
    train, held_out = leave_last_out([[1, 2, 3], [4], []])

    assert train == [[1, 2], [4], []]
    assert [(h.user, h.history, h.target) for h in held_out] == [(0, [1, 2], 3)]


def test_training_windows_in_reading_order_are_consecutive_titles_from_the_start():
    ids = TitleTokenizer.train(titles(), vocab_size=300).ids
    rng = np.random.default_rng(0)

    windows = training_windows(
        [[0, 1, 2], []], TOKENS, ids, block_size=100, rng=rng, shuffle_order=False
    )

    assert len(windows) == 1
    assert windows[0] in [
        history_tokens([0, 1, 2][:end], TOKENS, ids, max_tokens=100) for end in (1, 2, 3)
    ]
