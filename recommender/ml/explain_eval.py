"""Offline check of MF explanations (``evaluate_offline --explain``): are they faithful and true?

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
Pure numpy/scipy, no Django.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from . import bandit, explain, sentences
from .base import top_n
from .data import InteractionMatrix
from .mf import ImplicitALS
from .request import request_evidence, request_phrases, request_rank, request_words
from .request_fit import Encode, RequestScorer, matrix_reader


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
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    by_item = train.positives.tocsc()
    item_ids = train.item_ids
    styles: Counter[str] = Counter()
    texts: list[str] = []
    citing = faithful = invalid = lead_checked = lead_faithful = unexplained = 0
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
        history = set(idx.tolist())
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
            if not options:  # nothing in the history adds to this score: no true reason to give
                unexplained += 1
                continue
            style = bandit.choose(list(options), {}, rng=rng)
            evidence = options[style]
            cited = [int(position) for position in evidence.pop("positions", [])]
            evidence["articles"] = [str(item_ids[idx[p]]) for p in cited]
            texts.append(
                sentences.render(
                    style,
                    evidence,
                    titles=titles,
                    topic_names={topic: topic for topic in _all_topics(evidence)},
                )
            )
            styles[style] += 1
            if style in sentences.CITING_STYLES:
                citing += 1
                columns = idx[cited]
                invalid += sum(
                    column not in history or not 0 <= column < len(item_ids) for column in columns
                )
                faithful += explain.ablation_lowers_score(
                    model, idx, weights, target, columns, baseline=baseline
                )
    return {
        "explanation_fidelity": faithful / citing if citing else None,
        "invalid_citations": int(invalid),
        "unique_explanation_ratio": len(set(texts)) / len(texts) if texts else None,
        "style_counts": dict(sorted(styles.items())),
        "explanations": len(texts),
        "citing_explanations": citing,
        "unexplained": unexplained,
        "lead_contributor_fidelity": lead_faithful / lead_checked if lead_checked else None,
        "explain_users": int(len(users)),
        "explain_seconds": round(time.perf_counter() - started, 3),
    }


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

    citation = explain.faithful_citation(
        model,
        idx,
        weights,
        target,
        contributions,
        topics_of=topics_of,
        target_topics=target_topics,
        baseline=baseline,
    )
    if citation is not None:
        options[sentences.BECAUSE_YOU_READ] = {
            "positions": list(citation.positions),
            "topic": citation.topic,
            "event": "read",
        }
    target_readers = by_item.indices[by_item.indptr[target] : by_item.indptr[target + 1]]
    target_readers = np.setdiff1d(target_readers, [user])
    # Only the strongest contributors can be cited, so only theirs are counted.
    co_readers = np.zeros(len(idx), dtype=np.int64)
    positive = np.flatnonzero(contributions > 0)
    for position in positive[top_n(contributions[positive], explain.EXTRA_POOL)]:
        column = idx[position]
        readers = by_item.indices[by_item.indptr[column] : by_item.indptr[column + 1]]
        co_readers[position] = len(np.intersect1d(readers, target_readers, assume_unique=True))
    position = explain.supported_citation(
        model, idx, weights, target, contributions, co_readers, minimum=1, baseline=baseline
    )
    if position is not None:
        options[sentences.CO_READERS] = {
            "positions": [position],
            "count": int(co_readers[position]),
        }
    if target_topics and item_topics is not None:
        counts = Counter(topic for column in idx.tolist() for topic in item_topics[column])
        shared = [topic for topic in target_topics if counts[topic]]
        if shared:
            topic = max(shared, key=lambda t: (counts[t], t))
            options[sentences.TOPIC_MATCH] = {"topic": topic, "count": counts[topic]}
    return options


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
