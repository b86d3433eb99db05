"""A reader's personalisation switch (their "me" page, ``PATCH /api/me/``).

Off, the reader's list is the non-personal one (trending, then newest: serving.NON_PERSONAL),
its explanations cite nothing of theirs (trending, new, editors' picks), and their behaviour is
used neither for them (fold-in, content profile, key phrases, explanation evidence) nor for
others: not to train the models that rank for everyone (recommender.selectors.training_rows, the
LM's reading orders), not as "readers like you" evidence (evidence._co_reader_counts). An opt-out
that still fed the model would not be one. Aggregate counts that name no one (trending, the
explanation styles' bandit) still include them.
"""

from django.db import transaction

from ..models import ModelVersion, PersonalisationSetting
from . import lists


def personalisation_enabled(*, user_id: int) -> bool:
    return not PersonalisationSetting.objects.filter(user_id=user_id, enabled=False).exists()


def opted_out_user_ids() -> set[int]:
    """Readers who turned personalisation off: left out of every model's training data."""
    return set(
        PersonalisationSetting.objects.filter(enabled=False).values_list("user_id", flat=True)
    )


@transaction.atomic
def personalisation_set(*, user, enabled: bool) -> PersonalisationSetting:
    """Turn ``user``'s personalisation on or off (idempotent); their cached lists, pages,
    explanations and key phrases are forgotten once it commits, so the next page follows it."""
    setting, _ = PersonalisationSetting.objects.update_or_create(
        user=user, defaults={"enabled": enabled}
    )
    user_id = user.pk
    transaction.on_commit(lambda: _forget(user_id))
    return setting


def _forget(user_id: int) -> None:
    # Imported here: both import serving, which imports this module.
    from .explanations import explanations_forget
    from .interests import reader_phrases_forget

    for kind in ModelVersion.Kind:
        lists.reader_list_forget(user_id=user_id, kind=kind)
    explanations_forget(user_id=user_id)
    reader_phrases_forget(user_id=user_id)
