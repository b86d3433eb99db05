"""The causal LM: GPT-2 architecture through ``transformers``, small and trained from scratch by
default, or a local Hugging Face checkpoint (``RECSITE_LM_BASE``) fine-tuned instead.

Weights are stored with ``save_pretrained`` (safetensors), never pickles.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

from .tokenizer import SpecialIds

if TYPE_CHECKING:  # torch-bearing: imported inside the functions that build or load a model
    from transformers import GenerationMixin, PreTrainedModel

    class CausalLM(PreTrainedModel, GenerationMixin):
        """What this module returns: a causal LM (GPT-2 or a base checkpoint) that generates;
        transformers types it alike (AutoModelForCausalLM's private _BaseModelWithGenerate)."""


# Small enough to train for a few minutes on two CPU cores and to answer a request in well under
# half a second, large enough to learn which titles follow which.
DEFAULT_ARCHITECTURE = {"n_layer": 2, "n_head": 4, "n_embd": 128, "n_positions": 256}


def build_model(
    vocab_size: int, ids: SpecialIds, *, seed: int = 0, dropout: float = 0.0, **architecture: int
) -> CausalLM:
    """A freshly initialised ``GPT2LMHeadModel`` (seeded) with ``vocab_size`` tokens;
    ``architecture`` overrides ``DEFAULT_ARCHITECTURE`` (n_layer, n_head, n_embd, n_positions).

    No dropout by default: a time-budgeted run sees the data only a few times, too few to
    overfit, and on CPU drawing the dropout masks costs a fifth of every training step."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    shape = {**DEFAULT_ARCHITECTURE, **architecture}
    config = GPT2Config(
        vocab_size=vocab_size,
        n_positions=shape["n_positions"],
        n_embd=shape["n_embd"],
        n_layer=shape["n_layer"],
        n_head=shape["n_head"],
        bos_token_id=ids.bos,
        eos_token_id=ids.sep,  # generation stops once a title is complete
        pad_token_id=ids.pad,
        resid_pdrop=dropout,
        embd_pdrop=dropout,
        attn_pdrop=dropout,
    )
    torch.manual_seed(seed)
    return cast("CausalLM", GPT2LMHeadModel(config))


def load_base(directory: Path, vocab_size: int, ids: SpecialIds) -> CausalLM:
    """A local checkpoint (any ``AutoModelForCausalLM``) to fine-tune, its embeddings resized to
    hold our special tokens. Never downloads: ``directory`` must hold the weights."""
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(directory), local_files_only=True)
    model.resize_token_embeddings(vocab_size)
    model.config.bos_token_id, model.config.eos_token_id = ids.bos, ids.sep
    model.config.pad_token_id = ids.pad
    return cast("CausalLM", model)


def save_model(model: CausalLM, directory: Path) -> None:
    model.save_pretrained(str(directory), safe_serialization=True)


def load_model(directory: Path) -> CausalLM:
    """The model ``save_model`` wrote, in evaluation mode."""
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(directory), local_files_only=True)
    model.eval()
    return cast("CausalLM", model)


def max_positions(model: CausalLM) -> int:
    config = model.config
    return int(getattr(config, "n_positions", None) or config.max_position_embeddings)
