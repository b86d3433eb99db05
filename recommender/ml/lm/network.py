"""The sequence LM's network (torch): a GPT-2 whose tokens are articles.

Torch-bearing: imported inside the functions that train or run it (``recommender.ml.lm.model``),
never by a web process.

An article's token embedding is its frozen text embedding (MiniLM, 384-d) through a learned
linear projection, plus, optionally, a learned embedding of its own (``id_embeddings``: zero for
an article the model has never seen, so a new article still has a token from its text alone).
The transformer is ``transformers``' ``GPT2Model`` fed with ``inputs_embeds`` (causal
attention, learned positions). The score of article j after a history is ``h . o_j + b_j``:
``h`` the last hidden state, ``o_j`` the article's output embedding (the input embedding when
``tied``, else a second projection of its text, plus its own embedding) and ``b_j`` a learned
bias (zero for a new article).
"""

from __future__ import annotations

import torch
from transformers import GPT2Config, GPT2Model


class SequenceNetwork(torch.nn.Module):
    """Inputs are item indices + 1 (0 is padding), right-padded: causal attention lets no real
    position see the padding after it, so no attention mask is needed."""

    def __init__(
        self,
        text_embeddings: torch.Tensor,
        *,
        dim: int,
        layers: int,
        heads: int,
        max_length: int,
        dropout: float,
        tied: bool,
        id_embeddings: bool,
    ) -> None:
        super().__init__()
        n_items, text_dim = text_embeddings.shape
        self.register_buffer("text", text_embeddings.float(), persistent=False)
        self.input_projection = torch.nn.Linear(text_dim, dim)
        self.output_projection = None if tied else torch.nn.Linear(text_dim, dim)
        self.item_embedding = (
            torch.nn.Embedding(n_items, dim, _weight=torch.zeros(n_items, dim))
            if id_embeddings
            else None
        )
        self.item_bias = torch.nn.Parameter(torch.zeros(n_items))
        self.input_norm = torch.nn.LayerNorm(dim)
        config = GPT2Config(
            vocab_size=1,  # tokens come in as embeddings; the (unused) token table stays tiny
            n_positions=max_length,
            n_embd=dim,
            n_layer=layers,
            n_head=heads,
            resid_pdrop=dropout,
            embd_pdrop=dropout,
            attn_pdrop=dropout,
            bos_token_id=None,  # no vocabulary: articles are the tokens
            eos_token_id=None,
        )
        self.transformer = GPT2Model(config)

    def input_embeddings(self) -> torch.Tensor:
        """float (n_items, dim)."""
        embeddings: torch.Tensor = self.input_projection(self.text)
        if self.item_embedding is not None:
            embeddings = embeddings + self.item_embedding.weight
        return embeddings

    def output_embeddings(self) -> torch.Tensor:
        """float (n_items, dim + 1): each item's output embedding, its bias as the last column."""
        if self.output_projection is None:
            embeddings = self.input_embeddings()
        else:
            embeddings = self.output_projection(self.text)
            if self.item_embedding is not None:
                embeddings = embeddings + self.item_embedding.weight
        return torch.cat([embeddings, self.item_bias[:, None]], dim=1)

    def hidden(self, tokens: torch.Tensor) -> torch.Tensor:
        """float (batch, length, dim) for long (batch, length) item indices + 1."""
        embeddings = self.input_embeddings()
        table = torch.cat([torch.zeros_like(embeddings[:1]), embeddings])
        inputs = self.input_norm(table[tokens])
        hidden: torch.Tensor = self.transformer(inputs_embeds=inputs).last_hidden_state
        return hidden

    def logits(self, hidden: torch.Tensor, output: torch.Tensor | None = None) -> torch.Tensor:
        """float (..., n_items): scores of every item after each hidden state (..., dim)."""
        output = self.output_embeddings() if output is None else output
        return hidden @ output[:, :-1].T + output[:, -1]
