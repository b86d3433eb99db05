from io import StringIO
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command

from recommender.ml.mf import ImplicitALS
from recommender.models import ModelVersion
from recommender.tasks import retrain
from recommender.training.mf import (
    RETRAIN_LOCK_KEY,
    STAGES,
    RetrainAlreadyRunning,
    model_version_train_mf,
)

METRIC_NAMES = {
    "recall@10",
    "ndcg@10",
    "coverage@10",
    "long_tail_share@10",
    "recall@20",
    "ndcg@20",
    "coverage@20",
    "long_tail_share@20",
    "users_evaluated",
}


def artifact_dirs(settings) -> list[str]:
    root = Path(settings.RECSITE_ARTIFACT_DIR) / "mf"
    return sorted(child.name for child in root.iterdir()) if root.is_dir() else []


def test_training_activates_first_version_with_metrics_and_artifacts(mf_settings, clusters):
    version = model_version_train_mf()

    version.refresh_from_db()
    assert version.status == ModelVersion.Status.ACTIVE
    assert version.activated_at is not None
    assert set(version.metrics) == METRIC_NAMES
    assert version.metrics["users_evaluated"] == 30
    assert 0.0 < version.metrics["ndcg@10"] <= 1.0
    assert version.data_counts == {"users": 30, "items": 40, "interactions": 240}
    assert version.params["factors"] == 2
    assert version.train_seconds > 0
    assert version.activation_note.startswith("Activated automatically: no active mf version")
    directory = Path(mf_settings.RECSITE_ARTIFACT_DIR) / version.artifact_path
    assert {"item_factors.npy", "item_ids.npy", "params.json", "version.json"} <= {
        path.name for path in directory.iterdir()
    }
    assert artifact_dirs(mf_settings) == [directory.name]
    assert cache.get(RETRAIN_LOCK_KEY) is None  # the lock was released


def test_equal_new_version_replaces_active_and_remembers_it(mf_version):
    second = model_version_train_mf()

    mf_version.refresh_from_db()
    assert second.status == ModelVersion.Status.ACTIVE
    assert second.previous_active == mf_version
    assert mf_version.status == ModelVersion.Status.READY
    assert second.activation_note.startswith("Activated automatically: validation ndcg@10")


def test_worse_version_stays_ready_with_the_reason(mf_version, settings):
    # Demanding a gain of 1.0 NDCG makes any retraining "worse" than the active version.
    settings.RECSITE_ACTIVATION_TOLERANCE = -1.0

    second = model_version_train_mf()

    mf_version.refresh_from_db()
    assert second.status == ModelVersion.Status.READY
    assert second.activation_note.startswith("Not activated: validation ndcg@10")
    assert f"below {mf_version.metrics['ndcg@10']:.4f} of active v{mf_version.pk}" in (
        second.activation_note
    )
    assert mf_version.status == ModelVersion.Status.ACTIVE


def test_failed_training_keeps_the_active_version(mf_version, mf_settings, monkeypatch):
    def broken_fit(self, matrix, **kwargs):
        raise RuntimeError("CG diverged")

    monkeypatch.setattr(ImplicitALS, "fit", broken_fit)
    dirs_before = artifact_dirs(mf_settings)

    failed = model_version_train_mf()

    mf_version.refresh_from_db()
    assert failed.status == ModelVersion.Status.FAILED
    assert "RuntimeError: CG diverged" in failed.error
    assert failed.artifact_path == ""
    assert mf_version.status == ModelVersion.Status.ACTIVE
    assert artifact_dirs(mf_settings) == dirs_before
    assert cache.get(RETRAIN_LOCK_KEY) is None


def test_unwritable_artifact_dir_fails_the_training(mf_version, mf_settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    mf_settings.RECSITE_ARTIFACT_DIR = blocker

    failed = model_version_train_mf()

    mf_version.refresh_from_db()
    assert failed.status == ModelVersion.Status.FAILED
    assert "Error" in failed.error
    assert mf_version.status == ModelVersion.Status.ACTIVE


def test_training_without_interactions_fails(mf_settings, db):
    failed = model_version_train_mf()

    assert failed.status == ModelVersion.Status.FAILED
    assert "No positive interactions with published articles" in failed.error
    assert ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).count() == 0


def test_training_marks_versions_of_a_killed_training_failed(mf_settings, clusters):
    orphan = ModelVersion.objects.create(kind=ModelVersion.Kind.MF)

    model_version_train_mf()

    orphan.refresh_from_db()
    assert orphan.status == ModelVersion.Status.FAILED
    assert orphan.error == "Interrupted: the training process stopped."


def test_old_versions_are_retired_and_their_artifacts_deleted(mf_settings, clusters):
    mf_settings.RECSITE_KEEP_VERSIONS = 2
    stray = Path(mf_settings.RECSITE_ARTIFACT_DIR) / "mf" / ".tmp-v0-killed"
    stray.mkdir(parents=True)
    first = model_version_train_mf()
    first_dir = Path(mf_settings.RECSITE_ARTIFACT_DIR) / first.artifact_path

    second = model_version_train_mf()
    third = model_version_train_mf()

    first.refresh_from_db()
    assert first.status == ModelVersion.Status.RETIRED
    assert not first_dir.exists()
    assert not stray.exists()
    assert artifact_dirs(mf_settings) == sorted(
        Path(version.artifact_path).name for version in (second, third)
    )


def test_lock_prevents_a_second_concurrent_training(mf_settings, clusters):
    cache.add(RETRAIN_LOCK_KEY, "held-by-another-worker", timeout=60)

    with pytest.raises(RetrainAlreadyRunning):
        model_version_train_mf()
    result = retrain.delay().get()

    assert result == {"status": "skipped"}
    assert ModelVersion.objects.count() == 0
    assert cache.get(RETRAIN_LOCK_KEY) == "held-by-another-worker"


def test_retrain_task_trains_a_version(mf_settings, clusters):
    result = retrain.delay().get()

    version = ModelVersion.objects.get(kind=ModelVersion.Kind.MF)
    assert result == {"version": version.pk, "status": "active"}


def test_retrain_command_sync_trains_in_process(mf_settings, clusters):
    out, err = StringIO(), StringIO()

    call_command("retrain", "--sync", stdout=out, stderr=err)

    version = ModelVersion.objects.get(kind=ModelVersion.Kind.MF)
    assert version.status == ModelVersion.Status.ACTIVE
    assert out.getvalue().startswith(f"v{version.pk} active (ndcg@10 ")
    # the progress bar went through every stage
    assert f"{len(STAGES)}/{len(STAGES)}" in err.getvalue()


def test_retrain_command_without_sync_queues_the_task(mf_settings, clusters):
    out = StringIO()

    call_command("retrain", stdout=out)

    assert out.getvalue().startswith("Retraining queued as task ")
    version = ModelVersion.objects.get(kind=ModelVersion.Kind.MF)
    assert version.status == ModelVersion.Status.ACTIVE  # eager in tests
