"""Words the demo catalogue is composed from, written for recsite.

Each topic brings noun phrases (``subjects``) that fit every title template, groups of people
(``contexts``, plural so that "How {context} approach {subject}" agrees) and self-contained
sentences (``facts``) for summaries and bodies. Templates are shared; ``timeless`` topics
(history) skip the ones that only make sense for something people do today.
"""

from .base import TopicVocabulary
from .culture import CULTURE
from .science import SCIENCE

TOPICS: tuple[TopicVocabulary, ...] = SCIENCE + CULTURE
