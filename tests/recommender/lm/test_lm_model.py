"""The LM's architecture: no dropout unless asked for (it slows CPU training steps down), and
titles cut to their first tokens (more of them fit in a training window)."""

import numpy as np

from recommender.ml.lm.model import build_model
from recommender.ml.lm.recommender import LMRecommender
from recommender.ml.lm.tokenizer import SpecialIds
from tests.recommender.ml.lm_tiny import histories, tiny_recommender, titles

IDS = SpecialIds(pad=0, bos=1, sep=2, eos=3)
TINY = {"n_layer": 1, "n_head": 1, "n_embd": 8, "n_positions": 16}


def dropouts(model) -> tuple[float, float, float]:
    config = model.config
    return config.resid_pdrop, config.embd_pdrop, config.attn_pdrop


def test_a_new_model_has_no_dropout_by_default():
    model = build_model(16, IDS, **TINY)

    assert dropouts(model) == (0.0, 0.0, 0.0)


def test_a_new_model_takes_the_dropout_asked_for():
    model = build_model(16, IDS, dropout=0.1, **TINY)

    assert dropouts(model) == (0.1, 0.1, 0.1)


def test_the_recommender_passes_its_dropout_to_the_model_and_stores_it():
    lm = LMRecommender(**{**tiny_recommender().params, "max_steps": 1, "dropout": 0.2})

    lm.fit_histories(
        item_ids=np.array([f"a{i}" for i in range(30)]), titles=titles(), histories=histories()
    )

    assert dropouts(lm.model) == (0.2, 0.2, 0.2)
    assert lm.params["dropout"] == 0.2
    assert lm.train_stats.steps == 1


def test_the_default_recommender_has_no_dropout():
    assert LMRecommender().params["dropout"] == 0.0


def test_the_default_recommender_cuts_titles_to_8_tokens():
    assert LMRecommender().params["max_title_tokens"] == 8


def test_titles_sharing_their_first_tokens_are_one_generated_title_standing_for_both():
    catalogue = [*titles(), "the stars of galaxies seen from the south", "the stars of galaxies"]
    lm = LMRecommender(**{**tiny_recommender().params, "max_steps": 1, "max_title_tokens": 4})
    lm.fit_histories(
        item_ids=np.array([f"a{i}" for i in range(32)]), titles=catalogue, histories=histories()
    )

    [found] = lm.generate([lm.history_prompt([2, 3])], [np.array([30, 31])], n=2)

    assert lm.title_tokens[30] == lm.title_tokens[31]
    assert len(lm.title_tokens[30]) == 4
    assert [generated.keys for generated in found] == [(30, 31)]
