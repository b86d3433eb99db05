"""Key phrases of a reader's interests: n-grams of what they read and searched, ranked by how
close their text embedding is to the reader's profile embedding (KeyBERT's idea, Grootendorst
2020, with a redundancy filter in the spirit of maximal marginal relevance). Pure numpy; the
caller embeds the candidates with the text encoder."""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "no",
        "nor",
        "not",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "new",
        "using",
        "use",
        "based",
        "via",
        "towards",
        "toward",
        "study",
        "studies",
        "approach",
        "analysis",
        "results",
        "method",
        "methods",
        "paper",
    ]
)
WORD = re.compile(r"[a-z][a-z0-9-]*[a-z0-9]|[a-z]")
# Chinese has no spaces: its candidates are runs of 2 to 4 characters found in at least two of
# the texts, the longest such run kept where a shorter one only ever occurs inside it ("近视防控",
# not "近视" and "视防"), never starting or ending with a function character.
CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
CJK_SIZES = (2, 3, 4)
CJK_FUNCTION_CHARACTERS = frozenset("的了是在和与及或对从把被也都而之其这那一个们你我他")


def candidate_phrases(texts: Iterable[str], *, max_words: int = 3, limit: int = 300) -> list[str]:
    """Distinct 1..``max_words``-word phrases of ``texts`` (lower-cased) that neither start nor
    end with a stopword, most frequent first (ties: first seen), at most ``limit``."""
    counts: dict[str, int] = {}
    for text in texts:
        words = WORD.findall(text.lower())
        for size in range(1, max_words + 1):
            for start in range(len(words) - size + 1):
                gram = words[start : start + size]
                if gram[0] in STOPWORDS or gram[-1] in STOPWORDS or len(gram[-1]) < 3:
                    continue
                phrase = " ".join(gram)
                counts[phrase] = counts.get(phrase, 0) + 1
    counts.update(_cjk_candidates(texts))
    ranked = sorted(counts, key=lambda phrase: -counts[phrase])  # stable: first seen wins ties
    return ranked[:limit]


def _cjk_candidates(texts: Iterable[str]) -> dict[str, int]:
    """Chinese candidates (see CJK_RUN) by the number of texts they occur in."""
    texts_with: dict[str, int] = {}
    for text in texts:
        grams = {
            run[start : start + size]
            for run in CJK_RUN.findall(text)
            for size in CJK_SIZES
            for start in range(len(run) - size + 1)
        }
        for gram in grams:
            if gram[0] not in CJK_FUNCTION_CHARACTERS and gram[-1] not in CJK_FUNCTION_CHARACTERS:
                texts_with[gram] = texts_with.get(gram, 0) + 1
    repeated = {gram: count for gram, count in texts_with.items() if count >= 2}
    return {
        gram: count
        for gram, count in repeated.items()
        if not any(
            gram in longer and repeated[longer] == count
            for longer in repeated
            if len(longer) > len(gram)
        )
    }


def _overlap(phrase: str, other: str) -> bool:
    """Whether two phrases share a word (or, in Chinese, one contains the other)."""
    if CJK_RUN.fullmatch(phrase) and CJK_RUN.fullmatch(other):
        return phrase in other or other in phrase
    return bool(set(phrase.split()) & set(other.split()))


def select_phrases(
    phrases: list[str],
    vectors: np.ndarray,
    profile: np.ndarray,
    *,
    n: int = 6,
    redundancy: float = 0.8,
) -> list[tuple[str, float]]:
    """The ``n`` phrases closest to ``profile`` (float32 (d,), unit), skipping any phrase whose
    embedding (rows of ``vectors``, float32 (len(phrases), d), unit) is within cosine
    ``redundancy`` of, or whose words overlap, an already chosen one. Returns (phrase, cosine)."""
    if not phrases:
        return []
    vectors = np.asarray(vectors, dtype=np.float32)
    scores = vectors @ np.asarray(profile, dtype=np.float32)
    chosen: list[int] = []
    for row in np.argsort(-scores, kind="stable").tolist():
        if any(_overlap(phrases[row], phrases[other]) for other in chosen):
            continue
        if any(float(vectors[row] @ vectors[other]) > redundancy for other in chosen):
            continue
        chosen.append(row)
        if len(chosen) == n:
            break
    return [(phrases[row], float(scores[row])) for row in chosen]
