import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from recommender.cache import lists
from recommender.models import ModelVersion
from recommender.training.mf import model_version_train_mf
from recommender.training.registry import model_version_activate, model_version_rollback
from tests.factories import ModelVersionFactory

ACTIVE = ModelVersion.Status.ACTIVE
READY = ModelVersion.Status.READY


def statuses(*versions) -> list[str]:
    for version in versions:
        version.refresh_from_db()
    return [version.status for version in versions]


def test_activate_a_ready_version(mf_version, settings):
    settings.RECSITE_ACTIVATION_TOLERANCE = -1.0
    ready = model_version_train_mf()

    model_version_activate(version=ready, note="Activated by eve (admin).")

    assert statuses(mf_version, ready) == [READY, ACTIVE]
    assert ready.previous_active == mf_version
    assert ready.activation_note == "Activated by eve (admin)."


def test_activation_switches_the_version_serving_reads(
    mf_version, settings, django_capture_on_commit_callbacks
):
    settings.RECSITE_ACTIVATION_TOLERANCE = -1.0
    ready = model_version_train_mf()
    assert lists.active_version(kind="mf").id == mf_version.pk

    with django_capture_on_commit_callbacks(execute=True):
        model_version_activate(version=ready, note="")

    assert lists.active_version(kind="mf").id == ready.pk


def test_activate_refuses_a_failed_version(mf_version):
    failed = ModelVersionFactory(status=ModelVersion.Status.FAILED)

    with pytest.raises(ValidationError) as error:
        model_version_activate(version=failed, note="")

    assert error.value.message_dict == {
        "status": [f"Only a ready version can be activated; v{failed.pk} is failed."]
    }
    assert statuses(mf_version, failed) == [ACTIVE, ModelVersion.Status.FAILED]


def test_rollback_returns_to_the_previous_active_version(mf_version):
    second = model_version_train_mf()
    third = model_version_train_mf()

    restored = model_version_rollback(kind="mf")
    restored_again = model_version_rollback(kind="mf")

    assert restored == second
    assert restored_again == mf_version
    assert statuses(mf_version, second, third) == [ACTIVE, READY, READY]
    assert third.activation_note.startswith(f"Rolled back to v{second.pk} on ")
    assert mf_version.activation_note == f"Reactivated by rolling back v{second.pk}."


def test_rollback_without_an_earlier_version_changes_nothing(mf_version):
    with pytest.raises(ValidationError) as error:
        model_version_rollback(kind="mf")

    assert error.value.message_dict == {
        "kind": [f"v{mf_version.pk} has no earlier version left to roll back to."]
    }
    assert statuses(mf_version) == [ACTIVE]


def test_rollback_without_an_active_version(db):
    with pytest.raises(ValidationError) as error:
        model_version_rollback(kind="mf")

    assert error.value.message_dict == {"kind": ["No active mf version to roll back from."]}


def test_database_allows_one_active_version_per_kind(mf_version):
    with pytest.raises(IntegrityError):
        ModelVersion.objects.create(kind="mf", status=ACTIVE)
