"""Which model version serves: activation, the automatic activation rule, and rollback.

Every switch happens in one transaction with the rows locked, so there is never a moment with
two active versions of a kind (the database constraint backs this up) or none while switching.
Serving notices through the cached active id, which is dropped once the switch has committed.

A hybrid version serves only over the MF version it was trained on (its MF base), so the
registry keeps the two consistent: activating an MF version (a retrain, the admin, a rollback)
deactivates the active hybrid of another base, and reactivates the newest hybrid over the new
MF version that beat it on validation, if there is one; a hybrid whose base is not active
cannot be activated.
"""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from .. import selectors
from ..cache import lists
from ..models import ModelVersion

ACTIVATION_METRIC = "ndcg@10"
MF = ModelVersion.Kind.MF
HYBRID = ModelVersion.Kind.HYBRID


def _locked_active(kind: str) -> ModelVersion | None:
    return (
        ModelVersion.objects.select_for_update()
        .filter(kind=kind, status=ModelVersion.Status.ACTIVE)
        .first()
    )


def _stamp(moment: datetime | None = None) -> str:
    return f"{timezone.localtime(moment or timezone.now()):%Y-%m-%d %H:%M}"


def _was_active(version: ModelVersion, outcome: str) -> str:
    """The note of a version that stops serving: when it served and what happened then (its
    activation note would otherwise go on saying "Activated automatically")."""
    since = _stamp(version.activated_at) if version.activated_at else "?"
    return f"Was active {since} – {_stamp()}, {outcome}."


def _switch(
    *,
    to: ModelVersion,
    current: ModelVersion | None,
    note: str,
    remember: bool,
    current_note: str | None = None,
) -> None:
    """Make ``to`` the active version instead of ``current`` (inside the caller's transaction).
    ``remember`` records ``current`` as what a rollback from ``to`` returns to; ``current``'s
    note becomes ``current_note``, by default that ``to`` replaced it."""
    if current is not None:
        current.status = ModelVersion.Status.READY
        current.activation_note = current_note or _was_active(current, f"replaced by v{to.pk}")
        current.save(update_fields=["status", "activation_note"])
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
    if kind == MF:
        _hybrid_follow(to)


def _hybrid_follow(mf: ModelVersion) -> None:
    """After ``mf`` became the active MF version: only a hybrid over it may serve."""
    current = _locked_active(HYBRID)
    if current is not None and current.params.get("mf_version") == mf.pk:
        return
    own = next(
        (
            hybrid
            for hybrid in ModelVersion.objects.select_for_update()
            .filter(kind=HYBRID, status=ModelVersion.Status.READY, params__mf_version=mf.pk)
            .order_by("-created_at", "-id")
            if hybrid.metrics.get("better_than_mf")
        ),
        None,
    )
    if own is not None:
        note = f"Reactivated with its MF base v{mf.pk}, which it beat on validation."
        _switch(to=own, current=current, note=note, remember=False)
    elif current is not None:
        _deactivate(
            current,
            f"Deactivated: its MF base v{current.params.get('mf_version')} stopped "
            f"serving when MF v{mf.pk} was activated ({_stamp()}).",
        )


def _deactivate(version: ModelVersion, note: str) -> None:
    """``version`` stops serving (stays ready); nothing of its kind serves instead."""
    version.status = ModelVersion.Status.READY
    version.activation_note = note
    version.save(update_fields=["status", "activation_note"])
    kind = version.kind
    transaction.on_commit(lambda: lists.active_version_forget(kind=kind))


def _require_active_base(version: ModelVersion) -> None:
    """A hybrid can serve only over its MF base (recommender.ranking.hybrid)."""
    base = version.params.get("mf_version")
    if not ModelVersion.objects.filter(
        pk=base, kind=MF, status=ModelVersion.Status.ACTIVE
    ).exists():
        raise ValidationError(
            {
                "status": gettext(
                    "v%(version)s ranks over MF v%(base)s, which is not the active MF version."
                )
                % {"version": version.pk, "base": base}
            }
        )


@transaction.atomic
def model_version_activate(*, version: ModelVersion, note: str) -> ModelVersion:
    """Serve ``version`` (ready or already active) from now on."""
    version = ModelVersion.objects.select_for_update().get(pk=version.pk)
    if version.status == ModelVersion.Status.ACTIVE:
        return version
    if version.status != ModelVersion.Status.READY:
        raise ValidationError(
            {
                "status": gettext(
                    "Only a ready version can be activated; v%(version)s is %(status)s."
                )
                % {"version": version.pk, "status": str(version.get_status_display()).lower()}
            }
        )
    if version.kind == HYBRID:
        _require_active_base(version)
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
    if current is not None and current.pk in selectors.pinned_version_ids():
        # The experiment compares against what serves now: a retrain must not swap it out.
        version.activation_note = (
            f"Not activated: active v{current.pk} is an arm of a running experiment. "
            "Activate it by hand once the experiment is stopped."
        )
        version.save(update_fields=["activation_note"])
        return version
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
    """Serve again the version that was active before the current one; returns it. A hybrid
    with no earlier version over the active MF version to return to rolls back to MF alone:
    it is deactivated and returned."""
    current = _locked_active(kind)
    if current is None:
        raise ValidationError(
            {"kind": gettext("No active %(kind)s version to roll back from.") % {"kind": kind}}
        )
    target = current.previous_active
    if target is not None:
        target = ModelVersion.objects.select_for_update().get(pk=target.pk)
    usable = target is not None and target.status == ModelVersion.Status.READY
    if target is not None and usable and kind == HYBRID:
        usable = target.params.get("mf_version") == current.params.get("mf_version")
    if not usable and kind == HYBRID:
        _deactivate(
            current,
            f"Rolled back to MF v{current.params.get('mf_version')} alone on {_stamp()}.",
        )
        return current
    if target is None or not usable:
        raise ValidationError(
            {
                "kind": gettext("v%(version)s has no earlier version left to roll back to.")
                % {"version": current.pk}
            }
        )
    since = _stamp(current.activated_at) if current.activated_at else "?"
    # remember=False: target keeps its own predecessor, so repeated rollbacks walk further back.
    _switch(
        to=target,
        current=current,
        note=f"Reactivated by rolling back v{current.pk}.",
        remember=False,
        current_note=f"Rolled back to v{target.pk} on {_stamp()} (active since {since}).",
    )
    return target
