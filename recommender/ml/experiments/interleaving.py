"""Team-draft interleaving (Radlinski, Kurup & Joachims 2008; for more than two rankers,
team-draft multileaving, Schuth et al. 2014).

One reader sees one list merged from every ranker's list. The list is built in rounds: each
round takes the rankers in a fresh random order and lets each add its highest-ranked item that
is not in the list yet. A click is credited to the ranker that contributed the clicked item, so
a ranker that puts what this reader wants near the top wins the impression. Because every ranker
contributes (nearly) equally many items at (nearly) the same positions, position bias cancels out
in expectation, which is why interleaving needs far fewer impressions than an A/B split.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def team_draft(
    rankings: Sequence[Sequence[int]], length: int, rng: np.random.Generator
) -> tuple[list[int], list[int]]:
    """Team-draft interleaving of two (or more) rankers' lists.

    rankings: one list of item ids per ranker, best first. Returns (items, teams) where
    ``teams[i]`` is the index of the ranker that contributed ``items[i]``. Deduplicates (an item
    two rankers share goes to whichever picks it first); stops at ``length`` items or when every
    list is exhausted. While no list is exhausted, after every full round each ranker has
    contributed the same number of items, so counts never differ by more than one.
    """
    if length < 0:
        raise ValueError("length must be >= 0")
    items: list[int] = []
    teams: list[int] = []
    chosen: set[int] = set()
    next_rank = [0] * len(rankings)
    exhausted: set[int] = set()
    while len(items) < length and len(exhausted) < len(rankings):
        # A permutation per round (not a coin per pick) is what keeps the counts within one.
        for ranker in rng.permutation(len(rankings)).tolist():
            if ranker in exhausted:
                continue
            ranking = rankings[ranker]
            position = next_rank[ranker]
            while position < len(ranking) and int(ranking[position]) in chosen:
                position += 1
            if position == len(ranking):
                exhausted.add(ranker)
                continue
            item = int(ranking[position])
            next_rank[ranker] = position + 1
            items.append(item)
            teams.append(ranker)
            chosen.add(item)
            if len(items) == length:
                break
    return items, teams


def credit(teams: Sequence[int], clicked_positions: Iterable[int], arms: int) -> list[int]:
    """Clicks per ranker for one impression.

    teams: the second half of ``team_draft``'s answer; clicked_positions: 0-based positions in
    the interleaved list (a position clicked twice counts once: the reader chose that item once);
    arms: the number of rankers. Returns a list of ``arms`` click counts.
    """
    credits = [0] * arms
    for position in set(clicked_positions):
        if not 0 <= position < len(teams):
            raise ValueError(f"clicked position {position} is not in a list of {len(teams)}")
        credits[teams[position]] += 1
    return credits


def impression_winner(credits: Sequence[int]) -> int | None:
    """The ranker credited with strictly the most clicks, or None for a tie (no clicks included):
    the per-impression outcome that ``sequential.interleaving_decision`` counts."""
    if not credits:
        return None
    best = max(credits)
    leaders = [ranker for ranker, clicks in enumerate(credits) if clicks == best]
    return leaders[0] if len(leaders) == 1 and best > 0 else None
