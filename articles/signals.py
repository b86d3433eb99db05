"""Signals through which ``articles`` announces changes without importing ``recommender``.

Both are sent inside the transaction of the write they announce, so that the work a receiver
requests is stored with it (recommender's transactional outbox) or not at all; a receiver that
acts outside the database defers that to ``transaction.on_commit``, like the outbox's relay.
"""

from django.dispatch import Signal

# Sent with ``article`` when an article becomes published or a published article's text changes.
article_published = Signal()

# Sent with ``user`` and ``interactions`` (a list) after behaviour was recorded for that user.
interaction_recorded = Signal()

# Sent with ``user`` when the reader's behaviour changed otherwise than by new interactions:
# interactions withdrawn (unsave, unlike) or a topic followed or unfollowed.
reader_preferences_changed = Signal()
