"""Where a model version's artifacts live: settings.RECSITE_ARTIFACT_DIR / its artifact path;
and the bound on how many versions a process keeps loaded."""

from pathlib import Path

from django.conf import settings


def artifact_directory(artifact_path: str) -> Path:
    return Path(settings.RECSITE_ARTIFACT_DIR) / artifact_path


def keep_loaded(store: dict, key, value) -> None:
    """Put ``value`` in a per-process store of loaded versions, dropping the oldest beyond
    settings.RECSITE_LOADED_VERSIONS: the active version and the arms of a running experiment
    are served side by side, and older versions must not pile up in memory."""
    store.pop(key, None)
    store[key] = value
    while len(store) > settings.RECSITE_LOADED_VERSIONS:
        del store[next(iter(store))]
