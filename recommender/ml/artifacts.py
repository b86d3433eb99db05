"""Model artifacts on disk: plain .npy arrays (never pickles) and JSON, written atomically.

Web processes memory-map the arrays, so every gunicorn worker shares one copy of the factors
through the page cache instead of holding its own.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


def write_artifact_dir(parent: Path, name: str, write: Callable[[Path], None]) -> Path:
    """Run ``write(tmp_dir)`` and then rename ``tmp_dir`` to ``parent/name`` in one step.

    Readers therefore see either no directory or a complete one; a failing or killed writer
    leaves only a ``.tmp-*`` directory (removed here on exceptions). Refuses to replace an
    existing ``parent/name``.
    """
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    final = parent / name
    if final.exists():
        raise FileExistsError(f"artifact directory already exists: {final}")
    tmp = parent / f".tmp-{name}-{secrets.token_hex(6)}"
    tmp.mkdir()
    try:
        write(tmp)
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def save_json(path: Path, obj: Any) -> None:
    Path(path).write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def load_json(path: Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def save_meta(path: Path, model: str, artifact_format: int, **fields: Any) -> None:
    """Write a model's JSON description: its name and artifact format (what ``load_meta``
    checks), then ``fields``."""
    save_json(path, {"model": model, "format": artifact_format, **fields})


def load_meta(path: Path, model: str, artifact_format: int, what: str) -> dict[str, Any]:
    """Read what ``save_meta`` wrote; ``ValueError`` unless it describes ``model`` in
    ``artifact_format`` (an older or other model's directory), naming it ``what``."""
    meta: dict[str, Any] = load_json(path)
    if meta.get("model") != model or meta.get("format") != artifact_format:
        raise ValueError(f"{Path(path).parent} does not hold a format-{artifact_format} {what}")
    return meta


def save_array(path: Path, arr: np.ndarray) -> None:
    arr = np.asarray(arr)
    if arr.dtype == object:
        raise TypeError(f"{path}: object arrays would need pickle; convert ids with dtype=str")
    np.save(path, arr, allow_pickle=False)


def load_array(path: Path, mmap: bool = True) -> np.ndarray:
    """Load an array saved by ``save_array``; ``mmap=True`` maps it read-only instead of reading."""
    array: np.ndarray = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    return array
