"""Where a model version's artifacts live: settings.RECSITE_ARTIFACT_DIR / its artifact path."""

from pathlib import Path

from django.conf import settings


def artifact_directory(artifact_path: str) -> Path:
    return Path(settings.RECSITE_ARTIFACT_DIR) / artifact_path
