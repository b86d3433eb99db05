"""The prefix trie: only real candidate titles can be spelled out, and back to their keys."""

import numpy as np

from recommender.ml.lm.trie import TitleTrie

SEP = 2
TITLES = {10: [5, 6, 7], 11: [5, 6, 8], 12: [5, 9], 13: [4], 14: [5, 9], 15: []}


def make_trie() -> TitleTrie:
    return TitleTrie(list(TITLES.values()), list(TITLES), sep=SEP)


def spellable(view) -> set[tuple[int, ...]]:
    """Every sequence reachable by always taking an allowed token until none is left."""
    done, stack = set(), [()]
    while stack:
        prefix = stack.pop()
        allowed = view.allowed(prefix)
        if not allowed:
            done.add(prefix)
        stack.extend((*prefix, token) for token in allowed)
    return done


def test_only_the_titles_followed_by_sep_can_be_spelled():
    view = make_trie().restrict()

    assert spellable(view) == {(5, 6, 7, SEP), (5, 6, 8, SEP), (5, 9, SEP), (4, SEP)}
    assert view.allowed(()) == [4, 5]
    assert view.allowed((5,)) == [6, 9]
    assert view.allowed((5, 6, 7)) == [SEP]


def test_identical_titles_are_one_entry_standing_for_all_their_keys():
    trie = make_trie()

    assert len(trie) == 4  # 12 and 14 share a title; 15 has none and cannot be generated
    assert trie.restrict().keys_of((5, 9, SEP)) == [12, 14]


def test_restrict_removes_other_keys_and_prefixes_that_only_lead_to_them():
    view = make_trie().restrict(np.array([10, 14]))

    assert spellable(view) == {(5, 6, 7, SEP), (5, 9, SEP)}
    assert view.allowed((5, 6)) == [7]
    assert view.keys_of((5, 9, SEP)) == [14]
    assert view.keys_of((5, 6, 8, SEP)) == []
    assert view.candidates == 2


def test_prefixes_off_the_trie_allow_nothing_and_map_to_no_key():
    view = make_trie().restrict()

    assert view.allowed((7,)) == []
    assert view.allowed((5, 6, 7, SEP)) == []
    assert view.keys_of((5, 6)) == []
    assert view.keys_of((3, SEP)) == []


def test_an_empty_trie_allows_nothing():
    view = TitleTrie([], [], sep=SEP).restrict()

    assert view.allowed(()) == []
    assert view.candidates == 0
