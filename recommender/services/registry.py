"""Which model version serves: activation, the automatic activation rule, and rollback.

Every switch happens in one transaction with the rows locked, so there is never a moment with
two active versions of a kind (the database constraint backs this up) or none while switching.
Serving notices through the cached active id, which is dropped once the switch has committed.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import ModelVersion
from . import lists

ACTIVATION_METRIC = "ndcg@10"


def _locked_active(kind: str) -> ModelVersion | None:
    return (
        ModelVersion.objects.select_for_update()
        .filter(kind=kind, status=ModelVersion.Status.ACTIVE)
        .first()
    )


def _switch(*, to: ModelVersion, current: ModelVersion | None, note: str, remember: bool) -> None:
    """Make ``to`` the active version instead of ``current`` (inside the caller's transaction).
    ``remember`` records ``current`` as what a rollback from ``to`` returns to."""
    if current is not None:
        current.status = ModelVersion.Status.READY
        current.save(update_fields=["status"])
    to.status = ModelVersion.Status.ACTIVE
    to.activated_at = timezone.now()
    to.activation_note = note
    fields = ["status", "activated_at", "activation_note"]
    if remember:
        to.previous_active = current
        fields.append("previous_active")
    to.save(update_fields=fields)
    kind = to.kind
    transaction.on_commit(lambda: lists.active_version_forget(kind=kind))


@transaction.atomic
def model_version_activate(*, version: ModelVersion, note: str) -> ModelVersion:
    """Serve ``version`` (ready or already active) from now on."""
    version = ModelVersion.objects.select_for_update().get(pk=version.pk)
    if version.status == ModelVersion.Status.ACTIVE:
        return version
    if version.status != ModelVersion.Status.READY:
        raise ValidationError(
            {"status": f"Only a ready version can be activated; v{version.pk} is {version.status}."}
        )
    _switch(to=version, current=_locked_active(version.kind), note=note, remember=True)
    return version


@transaction.atomic
def model_version_activate_if_not_worse(*, version: ModelVersion) -> ModelVersion:
    """Activate a freshly trained ``version`` unless its validation metric is worse than the
    active version's by more than settings.RECSITE_ACTIVATION_TOLERANCE; either way the reason
    is written to ``activation_note``.

    The two versions were validated on different snapshots of the data, so small differences
    are noise; the tolerance absorbs them while still catching a broken training.
    """
    version = ModelVersion.objects.select_for_update().get(pk=version.pk)
    current = _locked_active(version.kind)
    tolerance = settings.RECSITE_ACTIVATION_TOLERANCE
    new = version.metrics[ACTIVATION_METRIC]
    old = current.metrics.get(ACTIVATION_METRIC) if current is not None else None
    if current is None or old is None:
        note = (
            f"Activated automatically: no active {version.kind} version with a "
            f"{ACTIVATION_METRIC} to compare with (validation {ACTIVATION_METRIC} {new:.4f})."
        )
    elif new >= old - tolerance:
        note = (
            f"Activated automatically: validation {ACTIVATION_METRIC} {new:.4f} against "
            f"{old:.4f} of v{current.pk} (tolerance {tolerance})."
        )
    else:
        version.activation_note = (
            f"Not activated: validation {ACTIVATION_METRIC} {new:.4f} is more than {tolerance} "
            f"below {old:.4f} of active v{current.pk}. Activate it by hand if that is intended."
        )
        version.save(update_fields=["activation_note"])
        return version
    _switch(to=version, current=current, note=note, remember=True)
    return version


@transaction.atomic
def model_version_rollback(*, kind: str) -> ModelVersion:
    """Serve again the version that was active before the current one; returns it."""
    current = _locked_active(kind)
    if current is None:
        raise ValidationError({"kind": f"No active {kind} version to roll back from."})
    target = current.previous_active
    if target is not None:
        target = ModelVersion.objects.select_for_update().get(pk=target.pk)
    if target is None or target.status != ModelVersion.Status.READY:
        raise ValidationError(
            {"kind": f"v{current.pk} has no earlier version left to roll back to."}
        )
    current.activation_note = f"Rolled back to v{target.pk} on {timezone.now():%Y-%m-%d %H:%M}."
    current.save(update_fields=["activation_note"])
    # remember=False: target keeps its own predecessor, so repeated rollbacks walk further back.
    _switch(
        to=target,
        current=current,
        note=f"Reactivated by rolling back v{current.pk}.",
        remember=False,
    )
    return target
