"""Why the hybrid ranked an article: the reader's own articles whose removal lowers its score.

The hybrid's score (``HybridRecommender.reader_scores``) blends features standardised over the
catalogue per reader and ranks a candidate pool above the rest: unlike MF's fold-in
(recommender.ml.explain), it does not split into per-article parts that add up to it. So an
article's contribution to a target is measured directly, by leave-one-out: the target's score
minus its score re-computed from scratch, by the hybrid's own scoring function, with that
article left out of the history. Citations are then chosen by the rules MF's are
(``explain.faithful_citation``, ``explain.supported_citation``) with this ablation as their test:
a single cited article lowers the score by construction, several are checked together.

The site (recommender.explaining.evidence) and ``evaluate_offline --model hybrid --explain``
(recommender.ml.explain_eval) both explain with ``HybridAblation``. Pure numpy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .explain import Lowers

# History articles measured per reader, each one full re-scoring: a longer history is cited
# from its most heavily weighted articles (a citation is still checked by ablation).
LOO_LIMIT = 64

# (history columns int64 (k,), event weights float32 (k,)) -> the reader's scores: the
# hybrid's ``reader_scores`` with everything else (seen, new articles, LM scores) held fixed.
Score = Callable[[np.ndarray, np.ndarray], np.ndarray]


class HybridAblation:
    """One reader's hybrid scores of ``targets`` (columns of the scored catalogue), and the same
    scores with parts of the history removed, re-scored by ``score`` (memoised per removal)."""

    def __init__(
        self,
        score: Score,
        columns: np.ndarray,
        weights: np.ndarray,
        targets: Sequence[int] | np.ndarray,
    ) -> None:
        self.columns = np.asarray(columns, dtype=np.int64)
        self.weights = np.asarray(weights, dtype=np.float32)
        self.targets = np.asarray(targets, dtype=np.int64)
        self._score = score
        self._row_of = {int(target): row for row, target in enumerate(self.targets.tolist())}
        self.scores = self._targets_scored(np.ones(len(self.columns), dtype=bool))
        self._without: dict[tuple[int, ...], np.ndarray] = {}

    def _targets_scored(self, keep: np.ndarray) -> np.ndarray:
        scores = np.asarray(self._score(self.columns[keep], self.weights[keep]))
        return np.asarray(scores[self.targets], dtype=np.float64)

    def without(self, positions: Sequence[int]) -> np.ndarray:
        """float64 (len(targets),): the targets' scores once the history ``positions`` leave."""
        key = tuple(sorted({int(position) for position in positions}))
        if key not in self._without:
            keep = np.ones(len(self.columns), dtype=bool)
            keep[list(key)] = False
            self._without[key] = self._targets_scored(keep)
        return self._without[key]

    def lowers(self, target: int) -> Lowers:
        """The ablation test of citations of ``target`` (one of ``targets``)."""
        row = self._row_of[int(target)]
        return lambda positions: bool(self.without(positions)[row] < self.scores[row])

    def contributions(self) -> np.ndarray:
        """float64 (len(targets), k): entry (r, j) is how much removing history article j
        lowers ``targets[r]``'s score (0 for the articles beyond ``LOO_LIMIT``, never cited)."""
        drops = np.zeros((len(self.targets), len(self.columns)))
        for position in self.measured().tolist():
            drops[:, position] = self.scores - self.without((position,))
        return drops

    def measured(self) -> np.ndarray:
        """Sorted history positions whose removal is measured: all of them, or the
        ``LOO_LIMIT`` most heavily weighted (the first given on a tie)."""
        heaviest = np.argsort(-self.weights, kind="stable")[:LOO_LIMIT]
        return np.sort(heaviest)
