"""The dependency rules of docs/architecture.md, checked on the source rather than trusted.

The import direction (recsite -> recommender -> articles, the layers inside recommender, no
Django in recommender.ml, no torch in web modules) is import-linter's contract in
pyproject.toml, run by `make test`; here: what it cannot see.
"""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT_APPS = ("articles", "recommender", "recsite")
# Modules that import torch when imported: loaded inside the function that needs them, so
# that importing their caller does not load torch (web processes never do).
TORCH_BEARING = ("recommender.ml.als_torch", "recommender.ml.lm.network")


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def is_under(name: str, roots) -> bool:
    return any(name == root or name.startswith(f"{root}.") for root in roots)


def _imported(node: ast.Import | ast.ImportFrom, module: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not node.level:
        return [node.module]
    package = module.split(".")[: -node.level]
    return [".".join([*package, *([node.module] if node.module else [])])]


def function_level_imports(source: str, module: str) -> list[str]:
    """ "line: module" for each import of a project module inside a function body, except in an
    ``AppConfig.ready()`` (apps import their receivers there) and lazy loads of TORCH_BEARING
    modules preceded by a one-line comment saying why."""
    lines = source.splitlines()
    found = []

    def visit(node, function: str | None, cls: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name, cls)
            elif isinstance(child, ast.ClassDef):
                visit(child, function, child.name)
            elif isinstance(child, ast.Import | ast.ImportFrom) and function is not None:
                for name in _imported(child, module):
                    if not is_under(name, PROJECT_APPS):
                        continue
                    if function == "ready" and cls is not None:
                        continue
                    why = lines[child.lineno - 2].strip() if child.lineno > 1 else ""
                    if is_under(name, TORCH_BEARING) and why.startswith("#"):
                        continue
                    found.append(f"{child.lineno}: {name}")
            else:
                visit(child, function, cls)

    visit(ast.parse(source), None, None)
    return found


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        ("from recommender.cache import lists", "recommender.ranking.serving", []),
        (
            "def f():\n    from recommender import tasks\n",
            "recommender.receivers",
            ["2: recommender"],
        ),
        (
            "def f():\n    from ..tasks import retrain\n",
            "recommender.ranking.x",
            ["2: recommender.tasks"],
        ),
        (
            "def f():\n    from . import lists\n",
            "recommender.cache.pages",
            ["2: recommender.cache"],
        ),
        ("def f():\n    import numpy\n    from django.db import models\n", "articles.x", []),
        (
            "class C:\n    def ready(self):\n        from . import receivers\n",
            "recommender.apps",
            [],
        ),
        (
            "def fit():\n    # Only training needs torch.\n"
            "    from recommender.ml.als_torch import train_als\n",
            "recommender.ml.mf",
            [],
        ),
        (
            "def fit():\n    from recommender.ml.als_torch import train_als\n",
            "recommender.ml.mf",
            ["2: recommender.ml.als_torch"],
        ),
    ],
)
def test_the_function_import_rule_allows_only_ready_and_explained_torch_loads(
    source, module, expected
):
    assert function_level_imports(source, module) == expected


def application_files() -> list[Path]:
    return [
        path
        for app in PROJECT_APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.relative_to(ROOT).parts
    ]


def test_no_project_module_is_imported_inside_a_function():
    # given
    files = application_files()
    assert ROOT / "recommender" / "tasks.py" in files

    # when
    violations = {
        str(path.relative_to(ROOT)): found
        for path in files
        if (found := function_level_imports(path.read_text(), module_name(path)))
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
