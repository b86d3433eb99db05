"""Offline check of MF and hybrid explanations (``evaluate_offline --explain``): are they
faithful and true?

For each evaluated reader, the top ``k`` of their fold-in scores (what serving ranks with) are
explained exactly as the site explains them — evidence from the item-item contributions, a
style drawn by the (feedback-free) Thompson bandit, the sentence rendered from the evidence —
and then audited independently of how the evidence was chosen:

- explanation_fidelity: share of article-citing explanations whose cited items, removed from the
  reader's history (fold-in re-solved), lower the recommended item's score;
- invalid_citations: cited items not in the reader's training history (or not in the catalogue);
- unique_explanation_ratio: distinct sentences / explanations; style_counts;
- lead_contributor_fidelity: the same ablation for the raw top contributor of every item, before
  any check (how often the derivation alone is faithful).

``evaluate_hybrid_explanations`` does the same for the hybrid's lists, ablating against the
hybrid's own score. Pure numpy/scipy, no Django.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from . import bandit, explain, sentences
from .base import fitted, top_n
from .content import normalize_rows
from .data import InteractionMatrix
from .explain_hybrid import HybridAblation
from .hybrid import HybridRecommender, history
from .mf import ImplicitALS
from .request import request_evidence, request_phrases, request_rank, request_words
from .request_fit import Encode, RequestScorer, matrix_reader


class _Audit:
    """What ``evaluate_explanations`` and ``evaluate_hybrid_explanations`` count: each
    explanation drawn from a reader's options, rendered, and its citations checked."""

    def __init__(self, train: InteractionMatrix, titles: Mapping[str, str], seed: int) -> None:
        self.started = time.perf_counter()
        self.rng = np.random.default_rng(seed)
        self.item_ids, self.titles = train.item_ids, titles
        self.styles: Counter[str] = Counter()
        self.texts: list[str] = []
        self.citing = self.faithful = self.invalid = self.unexplained = 0

    def explain(
        self,
        options: dict[str, dict[str, Any]],
        idx: np.ndarray,
        lowers: Callable[[np.ndarray], bool],
    ) -> None:
        """Draw a style among ``options`` (evidence by style; ``positions`` index ``idx``, the
        reader's history columns) as the site does, render it, and audit its citations:
        ``lowers(columns)`` says whether removing those history columns lowers the score."""
        if not options:  # nothing in the history adds to this score: no true reason to give
            self.unexplained += 1
            return
        style = bandit.choose(list(options), {}, rng=self.rng)
        evidence = options[style]
        cited = [int(position) for position in evidence.pop("positions", [])]
        evidence["articles"] = [str(self.item_ids[idx[p]]) for p in cited]
        self.texts.append(
            sentences.render(
                style,
                evidence,
                titles=self.titles,
                topic_names={topic: topic for topic in _all_topics(evidence)},
            )
        )
        self.styles[style] += 1
        if style in sentences.CITING_STYLES:
            self.citing += 1
            columns = idx[cited]
            history = set(idx.tolist())
            self.invalid += sum(
                column not in history or not 0 <= column < len(self.item_ids)
                for column in columns.tolist()
            )
            self.faithful += bool(lowers(columns))

    def result(self, users: np.ndarray, **extra: Any) -> dict[str, Any]:
        return {
            "explanation_fidelity": self.faithful / self.citing if self.citing else None,
            "invalid_citations": int(self.invalid),
            "unique_explanation_ratio": len(set(self.texts)) / len(self.texts)
            if self.texts
            else None,
            "style_counts": dict(sorted(self.styles.items())),
            "explanations": len(self.texts),
            "citing_explanations": self.citing,
            "unexplained": self.unexplained,
            **extra,
            "explain_users": int(len(users)),
            "explain_seconds": round(time.perf_counter() - self.started, 3),
        }


def evaluate_explanations(
    model: ImplicitALS,
    train: InteractionMatrix,
    users: np.ndarray,
    *,
    k: int = 10,
    titles: Mapping[str, str],
    item_topics: Sequence[Sequence[str]] | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Explain and audit the top ``k`` of every row index in ``users`` (int64); see the module
    docstring for the returned metrics. ``titles`` by item id; ``item_topics`` per column."""
    audit = _Audit(train, titles, seed)
    by_item = train.positives.tocsc()
    lead_checked = lead_faithful = 0
    for user in np.asarray(users, dtype=np.int64).tolist():
        start, end = train.positives.indptr[user], train.positives.indptr[user + 1]
        idx = train.positives.indices[start:end].astype(np.int64)
        weights = train.positives.data[start:end].astype(np.float64)
        if len(idx) == 0:
            continue
        scores = np.array(model.scores_for_vector(model.fold_in(idx, weights)), dtype=np.float64)
        scores[train.seen(user)] = -np.inf
        top = top_n(scores, k)  # finite only: never a seen item, even in a tiny catalogue
        contributions = explain.mf_contributions(model, idx, weights, top)
        for row, target in enumerate(top.tolist()):
            baseline = explain.ablated_score(model, idx, weights, target, ())
            lead = int(np.argmax(contributions[row]))
            if contributions[row, lead] > 0:
                lead_checked += 1
                lead_faithful += explain.ablation_lowers_score(
                    model, idx, weights, target, idx[[lead]], baseline=baseline
                )
            options = _options(
                model,
                idx,
                weights,
                target,
                contributions[row],
                item_topics,
                by_item,
                user,
                baseline,
            )

            def lowers(
                columns: np.ndarray,
                idx: np.ndarray = idx,
                weights: np.ndarray = weights,
                target: int = target,
                baseline: float = baseline,
            ) -> bool:
                return explain.ablation_lowers_score(
                    model, idx, weights, target, columns, baseline=baseline
                )

            audit.explain(options, idx, lowers)
    return audit.result(
        users,
        lead_contributor_fidelity=lead_faithful / lead_checked if lead_checked else None,
    )


def _history_topics(
    item_topics: Sequence[Sequence[str]], idx: np.ndarray
) -> Callable[[int], Sequence[str]]:
    """History position -> the topics of that article."""
    return lambda position: item_topics[idx[position]]


def _all_topics(evidence: dict[str, Any]) -> list[str]:
    return [evidence[key] for key in ("topic",) if evidence.get(key)]


def _options(
    model: ImplicitALS,
    idx: np.ndarray,
    weights: np.ndarray,
    target: int,
    contributions: np.ndarray,
    item_topics: Sequence[Sequence[str]] | None,
    by_item: Any,
    user: int,
    baseline: float,
) -> dict[str, dict[str, Any]]:
    """Evidence per available style for one target (``positions`` index the history)."""
    options: dict[str, dict[str, Any]] = {}
    topics_of: Callable[[int], Sequence[str]] | None = None
    target_topics: Sequence[str] = ()
    if item_topics is not None:
        target_topics = item_topics[target]

        def topics_of(position: int) -> Sequence[str]:
            return item_topics[idx[position]]

    lowers = explain.mf_lowers(model, idx, weights, target, baseline=baseline)
    citation = explain.faithful_citation(
        contributions, lowers, topics_of=topics_of, target_topics=target_topics
    )
    if citation is not None:
        options[sentences.BECAUSE_YOU_READ] = {
            "positions": list(citation.positions),
            "topic": citation.topic,
            "event": "read",
        }
    options.update(_co_reader_option(by_item, user, idx, target, contributions, lowers))
    options.update(_topic_option(idx, target, item_topics))
    return options


def _co_reader_option(
    by_item: Any,
    user: int,
    idx: np.ndarray,
    target: int,
    contributions: np.ndarray,
    lowers: explain.Lowers,
) -> dict[str, dict[str, Any]]:
    """co_readers evidence: the contributor most co-read with ``target`` (by other readers of
    the csc matrix ``by_item``) whose removal lowers the score."""
    target_readers = by_item.indices[by_item.indptr[target] : by_item.indptr[target + 1]]
    target_readers = np.setdiff1d(target_readers, [user])
    # Only the strongest contributors can be cited, so only theirs are counted.
    co_readers = np.zeros(len(idx), dtype=np.int64)
    positive = np.flatnonzero(contributions > 0)
    for position in positive[top_n(contributions[positive], explain.EXTRA_POOL)]:
        column = idx[position]
        readers = by_item.indices[by_item.indptr[column] : by_item.indptr[column + 1]]
        co_readers[position] = len(np.intersect1d(readers, target_readers, assume_unique=True))
    position = explain.supported_citation(contributions, co_readers, lowers, minimum=1)
    if position is None:
        return {}
    return {sentences.CO_READERS: {"positions": [position], "count": int(co_readers[position])}}


def _topic_option(
    idx: np.ndarray, target: int, item_topics: Sequence[Sequence[str]] | None
) -> dict[str, dict[str, Any]]:
    """topic_match evidence: the target's topic most present in the history."""
    if item_topics is None or not item_topics[target]:
        return {}
    counts = Counter(topic for column in idx.tolist() for topic in item_topics[column])
    shared = [topic for topic in item_topics[target] if counts[topic]]
    if not shared:
        return {}
    topic = max(shared, key=lambda t: (counts[t], t))
    return {sentences.TOPIC_MATCH: {"topic": topic, "count": counts[topic]}}


def evaluate_hybrid_explanations(
    model: HybridRecommender,
    train: InteractionMatrix,
    users: np.ndarray,
    *,
    k: int = 10,
    titles: Mapping[str, str],
    item_topics: Sequence[Sequence[str]] | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """``evaluate_explanations`` for the hybrid (``evaluate_offline --model hybrid
    --explain``): each reader's top ``k`` of ``reader_scores`` explained as the site explains a
    hybrid list (recommender.ml.explain_hybrid: leave-one-out contributions, citations checked
    against the hybrid's own score; because_you_read, co_readers, similar_text, topic_match),
    then audited by re-scoring from scratch: a citation is faithful when ``reader_scores``
    without the cited articles in the history gives the article a lower score.
    mf_evidence_fidelity: the same test of the citation MF's own evidence would give (the
    strongest MF contributor, checked against MF's fold-in only)."""
    audit = _Audit(train, titles, seed)
    by_item = train.positives.tocsc()
    embeddings = normalize_rows(fitted(model.base).item_embeddings)
    mf_cited = mf_faithful = 0
    mf = fitted(model.base).mf
    for user in np.asarray(users, dtype=np.int64).tolist():
        idx, weights = history(train, user)
        if len(idx) == 0:
            continue
        seen = train.seen(user)

        def score(columns: np.ndarray, kept: np.ndarray, seen: np.ndarray = seen) -> np.ndarray:
            return model.reader_scores(columns, kept, seen)

        scores = np.array(score(idx, weights), dtype=np.float64)
        ranked = scores.copy()
        ranked[seen] = -np.inf
        top = top_n(ranked, k)  # finite only: never a seen item, even in a tiny catalogue
        ablation = HybridAblation(score, idx, weights, top)
        contributions = ablation.contributions()
        mf_contributions = explain.mf_contributions(mf, idx, weights, top)
        similarity = embeddings[top] @ embeddings[idx].T
        for row, target in enumerate(top.tolist()):
            lowers = ablation.lowers(target)
            # What MF's evidence alone would cite (how the site explained hybrid lists before).
            mf_citation = explain.faithful_citation(
                mf_contributions[row], explain.mf_lowers(mf, idx, weights, target)
            )
            if mf_citation is not None:
                mf_cited += 1
                mf_faithful += lowers(mf_citation.positions)
            options: dict[str, dict[str, Any]] = {}
            citation = explain.faithful_citation(
                contributions[row],
                lowers,
                topics_of=None if item_topics is None else _history_topics(item_topics, idx),
                target_topics=() if item_topics is None else item_topics[target],
            )
            if citation is not None:
                options[sentences.BECAUSE_YOU_READ] = {
                    "positions": list(citation.positions),
                    "topic": citation.topic,
                    "event": "read",
                }
            options.update(
                _co_reader_option(by_item, user, idx, target, contributions[row], lowers)
            )
            position = explain.supported_citation(
                contributions[row], similarity[row], lowers, minimum=explain.SIMILAR_TEXT_MIN
            )
            if position is not None:
                options[sentences.SIMILAR_TEXT] = {"positions": [position], "event": "read"}
            options.update(_topic_option(idx, target, item_topics))

            def rescored_lower(
                columns: np.ndarray,
                idx: np.ndarray = idx,
                weights: np.ndarray = weights,
                seen: np.ndarray = seen,
                target: int = target,
                scores: np.ndarray = scores,
            ) -> bool:  # re-scored from scratch, independently of how the evidence was chosen
                keep = ~np.isin(idx, columns)
                ablated = model.reader_scores(idx[keep], weights[keep], seen)
                return bool(ablated[target] < scores[target])

            audit.explain(options, idx, rescored_lower)
    return audit.result(users, mf_evidence_fidelity=mf_faithful / mf_cited if mf_cited else None)


def evaluate_request_explanations(
    scorer: RequestScorer,
    train: InteractionMatrix,
    users: np.ndarray,
    *,
    k: int = 10,
    requests: Mapping[int, str],
    encode: Encode,
    titles: Mapping[str, str],
) -> dict[str, Any]:
    """Explain and audit the top ``k`` of the request ranking (``evaluate_offline --queries
    --explain``) for every row index in ``users`` with a request (``requests``: user row ->
    its text): explanation_fidelity = share of history-citing explanations whose cited article,
    removed from the history, lowers the article's request score (re-ranked from scratch);
    invalid_citations = cited articles outside the reader's training history, plus quoted
    phrases that are not words of the request; unique_explanation_ratio; citing share."""
    started = time.perf_counter()
    texts: list[str] = []
    citing = faithful = invalid = 0
    phrase_cache: dict[str, tuple[list[str], np.ndarray]] = {}
    for user in np.asarray(users, dtype=np.int64).tolist():
        if user not in requests:
            continue
        text = requests[user]
        if text not in phrase_cache:
            phrases = request_phrases(text)
            phrase_cache[text] = (phrases, encode(phrases))
        phrases, phrase_vectors = phrase_cache[text]
        reader, history = matrix_reader(train, user, scorer.item_embeddings, scorer.personal)
        request = scorer.request(user)
        ranked = request_rank(scorer.model, request, scorer.vectors_of, reader)
        found = request_evidence(
            scorer.model, request, scorer.vectors_of, reader, ranked, k, phrases, phrase_vectors
        )
        words = {word.lower() for word in request_words(text)}
        positives = set(history.tolist())
        for row, evidence in enumerate(found):
            quoted = {word.lower() for word in request_words(evidence.phrase)}
            invalid += not quoted <= words
            cited = [] if evidence.cited is None else [str(train.item_ids[history[evidence.cited]])]
            texts.append(
                sentences.render(
                    sentences.REQUEST_MATCH,
                    {"request": evidence.phrase, "articles": cited},
                    titles=titles,
                    topic_names={},
                )
            )
            if evidence.cited is None:
                continue
            citing += 1
            invalid += int(history[evidence.cited]) not in positives
            keep = reader.keep_all
            keep[evidence.cited] = False
            ablated = request_rank(scorer.model, request, scorer.vectors_of, reader, keep)
            faithful += bool(ablated.score_of(evidence.column) < ranked.scores[row])
    return {
        "explanation_fidelity": float(faithful / citing) if citing else None,
        "invalid_citations": int(invalid),
        "unique_explanation_ratio": len(set(texts)) / len(texts) if texts else None,
        "style_counts": {sentences.REQUEST_MATCH: len(texts)} if texts else {},
        "explanations": len(texts),
        "citing_explanations": citing,
        "explain_users": int(sum(user in requests for user in np.asarray(users).tolist())),
        "explain_seconds": round(time.perf_counter() - started, 3),
    }
