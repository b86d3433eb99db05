"""Backups of the whole platform: the database (Django's dumpdata, so one format for SQLite and
PostgreSQL) and the artifacts of every model version kept on disk, with a manifest of row counts
and active versions to check a restore against (``manage.py backup`` / ``manage.py restore``).

Primary keys are kept as they are (cached lists and pages are keyed by ids, and a restored id
must mean the same reader); content types and permissions, which ``migrate`` and ``flush``
recreate with their own ids, are referred to by natural keys and not dumped. Sessions are not
dumped either: after a restore, readers sign in again.
"""

import json
import shutil
from pathlib import Path

from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from recommender.cache import lists
from recommender.models import ModelVersion
from recommender.runtime.artifacts import artifact_directory

DATABASE_FILE = "database.json"
MANIFEST_FILE = "manifest.json"
ARTIFACTS_DIR = "artifacts"
# Recreated by migrate/flush (post_migrate), or not worth restoring.
EXCLUDED = ("contenttypes", "auth.permission", "sessions")


def _dumped_models() -> list:
    excluded_apps = {label for label in EXCLUDED if "." not in label}
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label not in excluded_apps
        and model._meta.label_lower not in EXCLUDED
        and not model._meta.proxy
    ]


def row_counts() -> dict[str, int]:
    """Rows per dumped model (what a restore must give back)."""
    return {model._meta.label: model.objects.count() for model in _dumped_models()}


def active_versions() -> dict[str, int]:
    return dict(
        ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).values_list("kind", "pk")
    )


def backup(*, output: Path) -> dict:
    """Write a backup into the directory ``output`` (created; must not hold one already) and
    return its manifest."""
    output.mkdir(parents=True, exist_ok=True)
    if (output / MANIFEST_FILE).exists():
        raise FileExistsError(f"{output} already holds a backup")
    # One transaction: the counts, the dump and the versions describe the same moment
    # (PostgreSQL's REPEATABLE READ would be needed for a strict snapshot under writes).
    with transaction.atomic():
        counts = row_counts()
        active = active_versions()
        call_command(
            "dumpdata",
            exclude=list(EXCLUDED),
            natural_foreign=True,
            output=str(output / DATABASE_FILE),
            verbosity=0,
        )
        kept = list(
            ModelVersion.objects.exclude(artifact_path="").values_list("artifact_path", flat=True)
        )
    artifacts = []
    for path in kept:
        source = artifact_directory(path)
        if source.is_dir():  # older versions' artifacts are pruned from disk
            shutil.copytree(source, output / ARTIFACTS_DIR / path)
            artifacts.append(path)
    manifest = {
        "created_at": timezone.now().isoformat(),
        "counts": counts,
        "active_versions": active,
        "artifacts": artifacts,
    }
    (output / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2))
    return manifest


def restore(*, source: Path) -> dict:
    """Replace the database's contents and the backed-up artifacts with the backup in
    ``source``; return its manifest. Raises ValueError when the restored row counts differ."""
    manifest = json.loads((source / MANIFEST_FILE).read_text())
    call_command("flush", interactive=False, verbosity=0)
    call_command("loaddata", str(source / DATABASE_FILE), verbosity=0)
    for path in manifest["artifacts"]:
        shutil.copytree(source / ARTIFACTS_DIR / path, artifact_directory(path), dirs_exist_ok=True)
    # What the cache holds about the versions and articles may predate the backup.
    for kind in ModelVersion.Kind:
        lists.active_version_forget(kind=kind)
    lists.pages_generation_bump()
    if row_counts() != manifest["counts"]:
        raise ValueError("the restored row counts differ from the backup's manifest")
    return manifest
