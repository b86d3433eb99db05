"""The Chinese demo catalogue's words (``load_demo --language zh-hans``): eight topics in the
same shape as the English vocabulary, with title and sentence templates written in Chinese
(no spaces between words or sentences)."""

from .templates import (
    BODY_OPENERS,
    CLOSINGS,
    PRESENT_DAY_BODY_OPENERS,
    PRESENT_DAY_TITLES,
    SUMMARY_OPENERS,
    TITLES,
)
from .topics import TOPICS

__all__ = [
    "BODY_OPENERS",
    "CLOSINGS",
    "PRESENT_DAY_BODY_OPENERS",
    "PRESENT_DAY_TITLES",
    "SUMMARY_OPENERS",
    "TITLES",
    "TOPICS",
]
