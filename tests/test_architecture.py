"""The dependency rules of DESIGN.md §1-2, checked on the source rather than trusted."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ML_DIR = ROOT / "recommender" / "ml"
DJANGO_WORLD = ("django", "rest_framework", "django_filters", "drf_spectacular", "celery")
PROJECT_APPS = ("articles", "recommender", "recsite")


def imported_modules(source: str, module: str) -> list[str]:
    """Absolute names of the modules that ``source`` (the text of ``module``) imports."""
    package = module.rsplit(".", 1)[0] if not module.endswith(".__init__") else module[:-9]
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module
            # `from pkg import sub` may import the submodule pkg.sub
            names.append(target)
            names.extend(f"{target}.{alias.name}" for alias in node.names)
    return names


def is_under(name: str, roots) -> bool:
    return any(name == root or name.startswith(f"{root}.") for root in roots)


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def python_files(directory: Path) -> list[Path]:
    return sorted(directory.rglob("*.py"))


def forbidden_ml_imports(source: str, module: str) -> list[str]:
    """Imports that would pull Django into recommender/ml: Django itself and its ecosystem, or
    any project module outside recommender.ml (those are Django apps)."""
    return [
        name
        for name in imported_modules(source, module)
        if is_under(name, DJANGO_WORLD)
        or (is_under(name, PROJECT_APPS) and not is_under(name, ["recommender.ml"]))
    ]


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        ("import django", "recommender.ml.mf", ["django"]),
        ("import numpy, django.conf", "recommender.ml.mf", ["django.conf"]),
        (
            "from django.db import models",
            "recommender.ml.mf",
            ["django.db", "django.db.models"],
        ),
        (
            "from ..models import ModelVersion",
            "recommender.ml.mf",
            [
                "recommender.models",
                "recommender.models.ModelVersion",
            ],
        ),
        (
            "from articles.models import Article",
            "recommender.ml.data",
            [
                "articles.models",
                "articles.models.Article",
            ],
        ),
        ("from .mf import ImplicitALS\nimport numpy as np", "recommender.ml.hybrid", []),
        ("from . import metrics", "recommender.ml.__init__", []),
        ("from recommender.ml.text import encode", "recommender.ml.lm", []),
    ],
)
def test_the_ml_import_rule_catches_django_and_allows_pure_imports(source, module, expected):
    assert forbidden_ml_imports(source, module) == expected


def test_recommender_ml_imports_no_django():
    # given
    assert (ML_DIR / "__init__.py").is_file(), "recommender/ml must be a package"
    files = python_files(ML_DIR)

    # when
    violations = {
        str(path.relative_to(ROOT)): found
        for path in files
        if (found := forbidden_ml_imports(path.read_text(), module_name(path)))
    }

    # then
    assert violations == {}


def test_articles_never_imports_recommender():
    # given
    files = python_files(ROOT / "articles")
    assert ROOT / "articles" / "models.py" in files

    # when
    violations = {
        str(path.relative_to(ROOT)): names
        for path in files
        if (
            names := [
                name
                for name in imported_modules(path.read_text(), module_name(path))
                if is_under(name, ["recommender"])
            ]
        )
    }

    # then
    assert violations == {}


WEB_FACING = {"views", "api", "urls"}

# Runs in a fresh interpreter: other tests import torch into this one.
LOAD_WEB_PROCESS = """
import importlib, json, sys

import recsite.wsgi  # what gunicorn loads: settings, apps (and their admin), middleware
from django.urls import URLPattern, URLResolver, get_resolver

for module in sys.argv[1:]:
    importlib.import_module(module)

def walk(patterns):
    count = 0
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            count += walk(pattern.url_patterns)
        else:
            assert isinstance(pattern, URLPattern) and callable(pattern.callback)
            count += 1
    return count

print(json.dumps({
    "patterns": walk(get_resolver().url_patterns),
    "heavy": sorted(name for name in ("torch", "transformers") if name in sys.modules),
}))
"""


def web_modules() -> list[str]:
    """recsite's URLconfs and views, and every views/api/urls module or package (and what is
    inside such a package) of the project."""
    found = ["recsite.urls", "recsite.api_urls", "recsite.site_urls", "recsite.views"]
    for app in PROJECT_APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if WEB_FACING & set(parts[1:]):
                found.append(module_name(path).removesuffix(".__init__"))
    return list(dict.fromkeys(found))


def test_web_process_never_imports_torch_or_transformers():
    # given
    modules = web_modules()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "recsite.settings.base"}

    # when
    result = subprocess.run(
        [sys.executable, "-c", LOAD_WEB_PROCESS, *modules],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # then
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["patterns"] > 0
    assert loaded["heavy"] == []
