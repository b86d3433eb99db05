"""An experiment's life: draft -> running <-> paused -> stopped, and its winner made active.

Serving reads the running experiment of a surface from the cache (recommender.cache.
experiments); every change of state forgets that key once it has committed, so readers move
into or out of the experiment on their next request (their rendered pages are stamped with the
experiment, their lists are keyed by version: nothing else needs forgetting)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..cache.experiments import running_experiment_forget
from ..models import Experiment, ExperimentArm, ModelVersion
from ..training.registry import model_version_activate

State = Experiment.State
Surface = Experiment.Surface
# Model kinds an arm may be, per surface (the request surface is answered by the LM).
ARM_KINDS: dict[str, tuple[str, ...]] = {
    Surface.LIST: (ModelVersion.Kind.MF, ModelVersion.Kind.HYBRID),
    Surface.REQUEST: (ModelVersion.Kind.LM,),
}
SERVABLE = (ModelVersion.Status.READY, ModelVersion.Status.ACTIVE)


def experiment_design_errors(
    *, surface: str, method: str, arms: list[tuple[ModelVersion | None, str]]
) -> dict[str, list[str]]:
    """What is wrong with a design, by field ("arms", "method"); ``arms`` are (model version,
    style). Empty when it can run."""
    errors: dict[str, list[str]] = {}
    if len(arms) < 2:
        errors.setdefault("arms", []).append(_("An experiment needs at least two arms."))
    if method == Experiment.Method.INTERLEAVING and surface != Surface.LIST:
        errors.setdefault("method", []).append(
            _("Interleaving merges ranked lists: it runs on the recommended lists surface only.")
        )
    if method == Experiment.Method.INTERLEAVING and len(arms) > 2:
        errors.setdefault("method", []).append(
            _("Team-draft interleaving compares exactly two rankers; use A/B for more arms.")
        )
    for version, _style in arms:
        if surface == Surface.STYLE:
            if version is not None:
                errors.setdefault("arms", []).append(
                    _("Arms of an explanation-style experiment are styles, not model versions.")
                )
            continue
        if version is None:
            errors.setdefault("arms", []).append(
                _("Every arm of this surface needs a model version.")
            )
        elif version.kind not in ARM_KINDS[surface]:
            errors.setdefault("arms", []).append(
                _("v%(id)s is a %(kind)s version, which cannot serve this surface.")
                % {"id": version.pk, "kind": version.get_kind_display()}
            )
        elif version.status not in SERVABLE or not version.artifact_path:
            errors.setdefault("arms", []).append(
                _("v%(id)s is %(status)s: only ready or active versions can be arms.")
                % {"id": version.pk, "status": version.get_status_display()}
            )
    versions = [version.pk for version, _style in arms if version is not None]
    if len(set(versions)) < len(versions):
        errors.setdefault("arms", []).append(_("Two arms serve the same model version."))
    return errors


def _arms_of(experiment: Experiment) -> list[tuple[ModelVersion | None, str]]:
    return [
        (arm.model_version, arm.style)
        for arm in experiment.arms.select_related("model_version").order_by("pk")
    ]


def _set_state(experiment: Experiment, state: str, **fields) -> Experiment:
    experiment.state = state
    for name, value in fields.items():
        setattr(experiment, name, value)
    experiment.save(update_fields=["state", *fields])
    surface = experiment.surface
    transaction.on_commit(lambda: running_experiment_forget(surface=surface))
    return experiment


@transaction.atomic
def experiment_start(*, experiment: Experiment) -> Experiment:
    """Run a draft or paused experiment: readers in its traffic share get its arms from their
    next request on. One experiment runs per surface (a database constraint backs this up)."""
    experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
    if experiment.state not in (State.DRAFT, State.PAUSED):
        raise ValidationError(
            {
                "state": _("Only a draft or paused experiment can be started; this one is %(s)s.")
                % {"s": experiment.get_state_display()}
            }
        )
    errors = experiment_design_errors(
        surface=experiment.surface, method=experiment.method, arms=_arms_of(experiment)
    )
    if errors:
        raise ValidationError(errors)
    running = Experiment.objects.filter(surface=experiment.surface, state=State.RUNNING)
    if running.exists():
        raise ValidationError({"surface": _("Another experiment is running on this surface.")})
    try:
        with transaction.atomic():
            return _set_state(
                experiment,
                State.RUNNING,
                started_at=experiment.started_at or timezone.now(),
            )
    except IntegrityError:  # started concurrently by someone else
        raise ValidationError(
            {"surface": _("Another experiment is running on this surface.")}
        ) from None


@transaction.atomic
def experiment_pause(*, experiment: Experiment) -> Experiment:
    """Readers get the active versions again; the results so far are kept and it can resume."""
    experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
    if experiment.state != State.RUNNING:
        raise ValidationError({"state": _("Only a running experiment can be paused.")})
    return _set_state(experiment, State.PAUSED)


@transaction.atomic
def experiment_stop(*, experiment: Experiment) -> Experiment:
    """End it for good (its results stay on the dashboard)."""
    experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
    if experiment.state not in (State.RUNNING, State.PAUSED):
        raise ValidationError({"state": _("Only a running or paused experiment can be stopped.")})
    return _set_state(experiment, State.STOPPED, stopped_at=timezone.now())


@transaction.atomic
def experiment_winner_activate(*, arm: ExperimentArm, editor: str) -> ModelVersion:
    """Stop the experiment (if it still runs) and serve ``arm``'s version to everyone; a
    hybrid arm's MF base is activated first, since a hybrid serves only over its base."""
    experiment = arm.experiment
    version = arm.model_version
    if version is None:
        raise ValidationError(
            {"arm": _("This arm is an explanation-style policy, not a model version.")}
        )
    if experiment.state in (State.RUNNING, State.PAUSED):
        experiment_stop(experiment=experiment)
    note = _("Activated by %(editor)s as the winner of experiment “%(name)s”.") % {
        "editor": editor,
        "name": experiment.name,
    }
    if version.kind == ModelVersion.Kind.HYBRID:
        base = ModelVersion.objects.get(pk=version.params.get("mf_version"))
        model_version_activate(version=base, note=note)
    return model_version_activate(version=version, note=note)
