"""Signals through which ``articles`` announces changes without importing ``recommender``.

Both are sent after the surrounding transaction commits, so receivers may dispatch tasks that
read the new rows.
"""

from django.dispatch import Signal

# Sent with ``article`` when an article becomes published or a published article's text changes.
article_published = Signal()

# Sent with ``user`` and ``interactions`` (a list) after behaviour was recorded for that user.
interaction_recorded = Signal()
