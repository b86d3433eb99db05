"""A reader's personalisation switch (their "me" page, ``PATCH /api/me/``).

Off, the reader's list is the non-personal one (trending, then newest: serving.NON_PERSONAL),
its explanations cite nothing of theirs (trending, new, editors' picks), and their behaviour is
used neither for them (fold-in, content profile, key phrases, explanation evidence) nor for
others: not to train the models that rank for everyone (recommender.selectors.training_rows, the
LM's reading orders), not as "readers like you" evidence (evidence._co_reader_counts). An opt-out
that still fed the model would not be one. Aggregate counts that name no one (trending, the
explanation styles' bandit) still include them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from ..cache.readers import reader_caches_forget
from ..models import PersonalisationSetting

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def personalisation_enabled(*, user_id: int) -> bool:
    return not PersonalisationSetting.objects.filter(user_id=user_id, enabled=False).exists()


@transaction.atomic
def personalisation_set(*, user: User, enabled: bool) -> PersonalisationSetting:
    """Turn ``user``'s personalisation on or off (idempotent); their cached lists, pages,
    explanations and key phrases are forgotten once it commits, so the next page follows it."""
    setting, _ = PersonalisationSetting.objects.update_or_create(
        user=user, defaults={"enabled": enabled}
    )
    user_id = user.pk
    transaction.on_commit(lambda: _forget(user_id))
    return setting


def _forget(user_id: int) -> None:
    reader_caches_forget(user_id=user_id)
