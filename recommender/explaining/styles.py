"""The explanation-style bandit's state: thumbs counted per (reader segment, style).

The state is derived from ExplanationFeedback (the votes are the truth; nothing to keep in step)
and cached briefly; every vote deletes the cache, so the next explanation sees it at once.
"""

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count

from recommender.ml import bandit

from ..models import Explanation, ExplanationFeedback
from ..privacy import BANDIT

COUNTS_KEY = BANDIT.key()
COUNTS_TTL_SECONDS = 5 * 60
ALL_SEGMENTS = "all"


def vote_counts() -> dict[str, dict[str, bandit.Votes]]:
    """segment -> style -> Votes; segment "all" pools every reader."""
    cached = cache.get(COUNTS_KEY)
    if cached is None:
        rows = ExplanationFeedback.objects.values(
            "explanation__style", "explanation__evidence__segment", "vote"
        ).annotate(n=Count("id"))
        tallies: dict[tuple[str, str], list[int]] = {}
        for row in rows:
            style, segment, vote = (
                row["explanation__style"],
                row["explanation__evidence__segment"] or ALL_SEGMENTS,
                row["vote"],
            )
            for key in {(ALL_SEGMENTS, style), (segment, style)}:
                tally = tallies.setdefault(key, [0, 0])
                tally[0 if vote > 0 else 1] += row["n"]
        cached = {key: tuple(tally) for key, tally in tallies.items()}
        cache.set(COUNTS_KEY, cached, timeout=COUNTS_TTL_SECONDS)
    counts: dict[str, dict[str, bandit.Votes]] = {}
    for (segment, style), (up, down) in cached.items():
        counts.setdefault(segment, {})[style] = bandit.Votes(up, down)
    return counts


def vote_counts_forget() -> None:
    cache.delete(COUNTS_KEY)


def segment_counts(segment: str) -> dict[str, bandit.Votes]:
    """The counts the bandit uses for a reader of ``segment`` (pooled unless per-segment)."""
    counts = vote_counts()
    if not settings.RECSITE_BANDIT_PER_SEGMENT:
        segment = ALL_SEGMENTS
    return counts.get(segment, {})


def style_choose(
    *, styles: list[str], segment: str, trust: dict[str, float], seed: list[int]
) -> str:
    """Thompson sampling among ``styles`` with a seeded generator (reproducible choices)."""
    rng = np.random.default_rng(seed)
    return bandit.choose(styles, segment_counts(segment), rng=rng, trust=trust)


def bandit_state(*, segment: str = ALL_SEGMENTS) -> dict[str, dict[str, float]]:
    """Editors' view of the bandit per style (seeded, so the page does not flicker)."""
    styles = list(Explanation.Style.values)
    return bandit.summary(styles, vote_counts().get(segment, {}), rng=np.random.default_rng(0))
