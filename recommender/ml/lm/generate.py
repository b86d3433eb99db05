"""Recommendation by constrained beam search, and log-likelihoods of given candidates.

A result's score is its sequence log-likelihood: the sum over the title's tokens and the closing
``[sep]`` of log p(token | prompt, earlier title tokens) under the unconstrained model (beam
search applies the trie mask after the log-softmax, and ``length_penalty=0`` leaves the sum
undivided), so it is comparable with ``score_candidates`` for the same prompt.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .threads import torch_threads
from .tokenizer import SpecialIds
from .trie import TrieView

if TYPE_CHECKING:  # torch-bearing: imported inside the functions that run the model
    import torch

    from .model import CausalLM


@dataclass(frozen=True)
class Generated:
    keys: tuple[int, ...]  # everything the generated title stands for (see trie.py)
    loglik: float
    tokens: tuple[int, ...]  # title tokens + [sep]


def generate(
    model: CausalLM,
    prompts: Sequence[Sequence[int]],
    views: Sequence[TrieView],
    ids: SpecialIds,
    *,
    top_n: int,
    num_beams: int | None = None,
    threads: int | None = None,
) -> list[list[Generated]]:
    """Up to ``top_n`` titles per prompt, each a candidate of that prompt's trie view, best first.

    ``prompts`` are token id lists (``history_tokens``); they are decoded in one batch, left
    padded. ``num_beams`` defaults to ``top_n`` and is raised to it if smaller; every beam is
    returned, duplicates removed, and a title standing for several keys counts once per key
    towards ``top_n``. Fewer results only when fewer candidates exist.
    """
    import torch

    if len(prompts) != len(views):
        raise ValueError(f"{len(prompts)} prompts for {len(views)} trie views")
    if top_n < 1:
        raise ValueError("top_n must be at least 1")
    live = [index for index, view in enumerate(views) if view.candidates]
    results: list[list[Generated]] = [[] for _ in prompts]
    if not live:
        return results
    beams = max(top_n, num_beams or top_n)
    width = max(len(prompts[index]) for index in live)
    input_ids = torch.full((len(live), width), ids.pad, dtype=torch.long)
    mask = torch.zeros_like(input_ids)
    for row, index in enumerate(live):
        prompt = prompts[index]
        input_ids[row, width - len(prompt) :] = torch.tensor(list(prompt))
        mask[row, width - len(prompt) :] = 1

    # Beam search asks about the same prefixes again and again; the processor indexes its mask
    # with the answer, which is much faster with a tensor than with a long Python list.
    answers: dict[tuple[int, tuple[int, ...]], torch.Tensor] = {}
    off_trie = torch.tensor([ids.pad])

    def allowed(batch_id: int, sequence: torch.Tensor) -> torch.Tensor:
        prefix = tuple(sequence[width:].tolist())
        answer = answers.get((batch_id, prefix))
        if answer is None:
            tokens = views[live[batch_id]].allowed(prefix)
            # Off the trie (a beam with nowhere left to go): pad keeps it a non-title, dropped
            # below.
            answer = torch.tensor(tokens) if tokens else off_trie
            answers[(batch_id, prefix)] = answer
        return answer

    with torch_threads(threads), torch.inference_mode():
        output = model.generate(
            input_ids=input_ids,
            attention_mask=mask,
            num_beams=beams,
            num_return_sequences=beams,
            max_new_tokens=max(views[index].trie.max_length for index in live),
            prefix_allowed_tokens_fn=allowed,
            eos_token_id=ids.sep,
            pad_token_id=ids.pad,
            length_penalty=0.0,
            early_stopping=True,
            do_sample=False,
            output_scores=True,
            return_dict_in_generate=True,
        )
    sequences = output.sequences[:, width:].tolist()
    scores = output.sequences_scores.tolist()
    for row, index in enumerate(live):
        seen: set[int] = set()
        found = []
        for beam in range(row * beams, (row + 1) * beams):
            tokens, score = sequences[beam], scores[beam]
            if ids.sep not in tokens or not np.isfinite(score):
                continue
            tokens = tuple(tokens[: tokens.index(ids.sep) + 1])
            keys = tuple(key for key in views[index].keys_of(tokens) if key not in seen)
            if keys:
                seen.update(keys)
                found.append(Generated(keys=keys, loglik=float(score), tokens=tokens))
        found.sort(key=lambda generated: -generated.loglik)
        results[index] = _first_keys(found, top_n)
    return results


def _first_keys(found: list[Generated], top_n: int) -> list[Generated]:
    kept, count = [], 0
    for generated in found:
        if count >= top_n:
            break
        keys = generated.keys[: top_n - count]
        kept.append(Generated(keys=keys, loglik=generated.loglik, tokens=generated.tokens))
        count += len(keys)
    return kept


def score_candidates(
    model: CausalLM,
    prompt: Sequence[int],
    candidates: Sequence[Sequence[int]],
    ids: SpecialIds,
    *,
    batch_size: int = 64,
    threads: int | None = None,
) -> np.ndarray:
    """float32 (len(candidates),): log p(title tokens + [sep] | prompt) of each candidate title
    (token lists without [sep]), <= 0; -inf for an empty title. The prompt is run once and its
    key/value cache reused for every batch of candidates."""
    import torch

    scores = np.full(len(candidates), -np.inf, dtype=np.float32)
    todo = [index for index, tokens in enumerate(candidates) if len(tokens)]
    if not todo:
        return scores
    with torch_threads(threads), torch.inference_mode():
        prompt_ids = torch.tensor([list(prompt)], dtype=torch.long)
        out = model(input_ids=prompt_ids, use_cache=True)
        first = torch.log_softmax(out.logits[0, -1].float(), dim=-1)
        for start in range(0, len(todo), batch_size):
            chunk = todo[start : start + batch_size]
            rows = [[*candidates[index], ids.sep] for index in chunk]
            length = max(len(row) for row in rows)
            tokens = torch.full((len(rows), length), ids.pad, dtype=torch.long)
            valid = torch.zeros((len(rows), length), dtype=torch.bool)
            for row, sequence in enumerate(rows):
                tokens[row, : len(sequence)] = torch.tensor(sequence)
                valid[row, : len(sequence)] = True
            total = first[tokens[:, 0]]
            if length > 1:
                cache = copy.deepcopy(out.cache)
                cache.batch_repeat_interleave(len(rows))
                attention = torch.cat(
                    [torch.ones((len(rows), prompt_ids.shape[1]), dtype=torch.long), valid.long()],
                    dim=1,
                )
                positions = torch.arange(prompt_ids.shape[1], prompt_ids.shape[1] + length)
                logits = (
                    model(
                        input_ids=tokens,
                        attention_mask=attention,
                        position_ids=positions.expand(len(rows), length),
                        cache=cache,
                    )
                    .logits[:, :-1]
                    .float()
                )
                following = torch.log_softmax(logits, dim=-1).gather(2, tokens[:, 1:, None])
                total = total + (following[..., 0] * valid[:, 1:]).sum(dim=1)
            scores[chunk] = total.numpy()
    return scores
