"""The active LM as an inference worker holds it, and what it answers.

Runs in Celery workers (queue ``inference``) or, in the embedded default, in-process: loading
the model imports torch, so the web process only dispatches ``recommender.lm_recommend`` and
never calls this module itself.

Candidates are the *current* published catalogue, not the one the model was trained on: titles
are tokenised with the version's tokenizer (byte-level, so any new title is encodable) and put
in a trie keyed by article id, rebuilt when the catalogue changes (one aggregate query per
request tells). Each request restricts the trie to the articles the reader has not interacted
with, so every result is a real, published, unread article.
"""

import logging
import threading
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from articles.selectors import published_catalogue_stamp, published_titles, reading_orders
from recommender.ml.base import fitted
from recommender.ml.lm.histories import history_tokens
from recommender.ml.lm.recommender import LMRecommender
from recommender.ml.lm.trie import TitleTrie

from .. import selectors
from ..cache import lists
from ..models import ModelVersion
from ..runtime.artifacts import artifact_directory, keep_loaded
from ..runtime.history import positive_events

logger = logging.getLogger(__name__)

LM = ModelVersion.Kind.LM


class NoLanguageModel(Exception):
    """No LM version is active (or its artifacts cannot be read)."""


@dataclass
class _Catalogue:
    stamp: tuple
    trie: TitleTrie  # keyed by article id
    tokens: dict[int, list[int]]  # article id -> title tokens
    article_ids: np.ndarray  # int64, published


@dataclass
class LoadedLM:
    version_id: int
    directory: str
    recommender: LMRecommender
    catalogue: _Catalogue | None = None

    @property
    def titles(self) -> _Catalogue:
        """The catalogue, which loaded_lm() builds before it hands the model out."""
        assert self.catalogue is not None, "loaded_lm() builds the catalogue first"
        return self.catalogue


_lock = threading.Lock()
# The active version and, while an experiment runs on requests, its arms (bounded).
_loaded: dict[tuple[int, str], LoadedLM] = {}


def loaded_lm(version: lists.ActiveVersion | None = None) -> LoadedLM:
    """LM ``version`` (default: the active one), loaded once per process."""
    active = version or lists.active_version(kind=LM)
    if active is None:
        raise NoLanguageModel("no language model trained yet")
    directory = str(artifact_directory(active.artifact_path))
    with _lock:
        if (active.id, directory) not in _loaded:
            try:
                recommender = LMRecommender.load(
                    artifact_directory(active.artifact_path), threads=settings.RECSITE_LM_THREADS
                )
            except (OSError, ValueError, KeyError) as error:
                logger.exception("Cannot load LM version %s from %s", active.id, directory)
                raise NoLanguageModel(f"language model v{active.id} cannot be loaded") from error
            keep_loaded(
                _loaded,
                (active.id, directory),
                LoadedLM(version_id=active.id, directory=directory, recommender=recommender),
            )
        loaded = _loaded[(active.id, directory)]
        stamp = published_catalogue_stamp()
        if loaded.catalogue is None or loaded.catalogue.stamp != stamp:
            loaded.catalogue = _catalogue(loaded.recommender, stamp)
        return loaded


def lm_forget_loaded() -> None:
    """Drop the models this process holds (the next request loads the active one afresh)."""
    with _lock:
        _loaded.clear()


def _catalogue(recommender: LMRecommender, stamp: tuple) -> _Catalogue:
    rows = published_titles()
    article_ids = [article_id for article_id, _ in rows]
    tokens = recommender.encode_titles([title for _, title in rows])
    return _Catalogue(
        stamp=stamp,
        trie=TitleTrie(tokens, article_ids, sep=fitted(recommender.tokenizer).ids.sep),
        tokens=dict(zip(article_ids, tokens, strict=True)),
        article_ids=np.array(article_ids, dtype=np.int64),
    )


def _history_prompt(loaded: LoadedLM, history: list[int]) -> list[int]:
    """Prompt for a history of article ids, oldest first; articles no longer published are left
    out (the trie's tokens are those of the published catalogue)."""
    tokens = loaded.titles.tokens
    known = [tokens[article_id] for article_id in history if article_id in tokens]
    recommender = loaded.recommender
    return history_tokens(
        range(len(known)),
        known,
        fitted(recommender.tokenizer).ids,
        max_tokens=recommender.prompt_tokens,
    )


def _seen(user_id: int | None) -> np.ndarray:
    """Article ids the reader interacted with in any way (read, dismissed, ...)."""
    if user_id is None:
        return np.empty(0, dtype=np.int64)
    events = selectors.interaction_events_of(user_id=user_id)
    return np.array(sorted({article_id for article_id, _, _ in events}), dtype=np.int64)


def lm_recommend(
    *,
    user_id: int | None,
    user_input: str = "",
    top_n: int = 5,
    version: lists.ActiveVersion | None = None,
) -> dict:
    """{"model_version": id, "results": [{"article_id", "score"}]}: up to ``top_n`` published
    articles ``user_id`` has not interacted with, best first, each with its title's
    log-likelihood, generated by LM ``version`` (default: the active one; an experiment's arm
    otherwise). The prompt is ``user_input`` when it has text, else the reader's history
    (reading order). Raises NoLanguageModel when no LM is active."""
    loaded = loaded_lm(version)
    recommender = loaded.recommender
    text = user_input.strip()
    if text:
        prompt = recommender.text_prompt(text)
    elif user_id is not None:
        history = reading_orders(events=positive_events(), user_id=user_id).get(user_id, [])
        prompt = _history_prompt(loaded, history)
    else:
        prompt = [fitted(recommender.tokenizer).ids.bos]
    catalogue = loaded.titles
    candidates = np.setdiff1d(catalogue.article_ids, _seen(user_id))
    [found] = recommender.generate(
        [prompt],
        [candidates],
        n=top_n,
        trie=catalogue.trie,
        num_beams=max(top_n, settings.RECSITE_LM_NUM_BEAMS),
    )
    return {
        "model_version": loaded.version_id,
        "results": [
            {"article_id": article_id, "score": generated.loglik}
            for generated in found
            for article_id in generated.keys
        ],
    }


def lm_log_likelihoods(*, history: list[int], article_ids: list[int]) -> dict[int, float]:
    """For the hybrid ranker: log p(title | history) of each published article in
    ``article_ids`` (article ids, the history oldest first) under the active LM, by article id;
    articles not published are absent. Raises NoLanguageModel when no LM is active."""
    loaded = loaded_lm()
    tokens = loaded.titles.tokens
    prompt = _history_prompt(loaded, history)
    scored = [article_id for article_id in article_ids if article_id in tokens]
    values = loaded.recommender.score_prompt(prompt, [tokens[article_id] for article_id in scored])
    return dict(zip(scored, values.tolist(), strict=True))
