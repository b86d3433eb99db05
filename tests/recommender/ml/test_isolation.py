"""recommender/ml at run time: the serving modules pull in neither Django nor torch (the static
"no Django imports" rule is enforced for the whole package by tests/test_architecture.py)."""

import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]
ML_DIR = PROJECT_ROOT / "recommender" / "ml"


def test_importing_every_serving_module_loads_neither_django_nor_torch():
    modules = sorted(
        f"recommender.ml.{path.stem}"
        for path in ML_DIR.glob("*.py")
        if path.stem not in ("__init__", "als_torch")  # als_torch is the training half
    )
    script = "import importlib, sys\n"
    script += "".join(f"importlib.import_module({name!r})\n" for name in modules)
    script += "print(sorted(m for m in ('django', 'torch') if m in sys.modules))"

    result = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"
    assert "recommender.ml.mf" in modules
