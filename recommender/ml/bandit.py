"""Thompson sampling over explanation styles (Bernoulli arms: thumbs up = 1, thumbs down = 0).

Each style's approval rate has a Beta(prior_up + ups, prior_down + downs) posterior; choosing a
style draws one sample per available style and takes the largest, so styles readers approve of
are shown more while uncertain ones are still tried. Counts may be kept per reader segment
(``Counts`` is keyed by style; the caller picks which segment's counts to pass). Pure numpy; the
caller passes a seeded ``np.random.Generator`` so that choices are reproducible.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

PRIOR_UP = 1.0
PRIOR_DOWN = 1.0
# Monte Carlo draws for the "probability of being the best style" shown to editors.
BEST_DRAWS = 4000


@dataclass(frozen=True)
class Votes:
    up: int = 0
    down: int = 0


Counts = Mapping[str, Votes]


def posterior(votes: Votes) -> tuple[float, float]:
    """Beta parameters (a, b) of a style's approval rate."""
    return PRIOR_UP + votes.up, PRIOR_DOWN + votes.down


def choose(
    styles: Sequence[str],
    counts: Counts,
    *,
    rng: np.random.Generator,
    trust: Mapping[str, float] | None = None,
) -> str:
    """One style among ``styles`` (non-empty, in a fixed order) by Thompson sampling.

    ``trust`` in [0, 1] per style scales its sample (a reader who called a style the wrong reason
    sees it less); a style with trust 0 is chosen only if every style has trust 0.
    """
    if not styles:
        raise ValueError("no style to choose from")
    samples = np.array(
        [rng.beta(*posterior(counts.get(style, Votes()))) for style in styles], dtype=np.float64
    )
    if trust is not None:
        scaled = samples * np.array([trust.get(style, 1.0) for style in styles])
        if scaled.max() > 0:
            samples = scaled
    return styles[int(np.argmax(samples))]


def summary(
    styles: Sequence[str], counts: Counts, *, rng: np.random.Generator
) -> dict[str, dict[str, float]]:
    """Per style: votes, posterior mean and 90% interval, and the probability (Monte Carlo, over
    ``styles``) that it has the highest approval rate — the bandit's state as editors see it."""
    if not styles:
        return {}
    params = [posterior(counts.get(style, Votes())) for style in styles]
    draws = np.stack([rng.beta(a, b, size=BEST_DRAWS) for a, b in params])
    best = np.bincount(np.argmax(draws, axis=0), minlength=len(styles)) / BEST_DRAWS
    result = {}
    for row, style in enumerate(styles):
        a, b = params[row]
        low, high = np.quantile(draws[row], [0.05, 0.95])
        votes = counts.get(style, Votes())
        result[style] = {
            "up": votes.up,
            "down": votes.down,
            "mean": a / (a + b),
            "low": float(low),
            "high": float(high),
            "p_best": float(best[row]),
        }
    return result
