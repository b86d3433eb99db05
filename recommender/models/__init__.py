"""The recommendation domain's rows (DESIGN §3), one module per concern."""

from .content import ArticleEmbedding, EditorialBoost
from .experiments import Experiment, ExperimentArm
from .explanations import (
    EvidencePenalty,
    Explanation,
    ExplanationFeedback,
    HiddenInterest,
    RecommendationImpression,
)
from .outbox import OutboxMessage
from .readers import PersonalisationSetting
from .registry import ModelVersion

__all__ = [
    "ArticleEmbedding",
    "EditorialBoost",
    "EvidencePenalty",
    "Experiment",
    "ExperimentArm",
    "Explanation",
    "ExplanationFeedback",
    "HiddenInterest",
    "ModelVersion",
    "OutboxMessage",
    "PersonalisationSetting",
    "RecommendationImpression",
]
