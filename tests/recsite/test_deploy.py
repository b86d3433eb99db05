"""The deployment files and production settings. There is no Docker engine where the tests run,
so the compose file is checked as data, and the production settings by Django's own checks."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat")
PRODUCTION_ENV = ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def services(compose):
    return compose["services"]


def command_of(service):
    command = service["command"]
    return command if isinstance(command, str) else " ".join(command)


def healthcheck_of(service):
    test = service["healthcheck"]["test"]
    return test if isinstance(test, str) else " ".join(test)


def test_compose_runs_the_platform_from_one_image(compose):
    # then
    assert set(services(compose)) == {"postgres", "redis", "web", "worker", "beat"}
    assert services(compose)["postgres"]["image"] == "postgres:15"
    assert services(compose)["redis"]["image"] == "redis:7"
    for name in APP_SERVICES:
        assert services(compose)[name]["build"] == "."


def test_web_migrates_then_serves_the_wsgi_app_with_gunicorn_on_port_8000(compose):
    # given
    web = services(compose)["web"]
    command = command_of(web)

    # then
    assert re.search(
        r"python manage\.py migrate --noinput && (exec )?gunicorn recsite\.wsgi(:application)? "
        r".*--bind 0\.0\.0\.0:8000",
        command,
    ), command
    assert web["ports"] == ["8000:8000"]


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("worker", "celery -A recsite worker -Q default,ml,inference -l info"),
        ("beat", "celery -A recsite beat -l info"),
    ],
)
def test_celery_processes(compose, name, command):
    assert command_of(services(compose)[name]) == command


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_processes_get_production_settings_from_the_environment(compose, name):
    # given
    environment = services(compose)[name]["environment"]

    # then
    assert environment["DJANGO_SETTINGS_MODULE"] == "recsite.settings.production"
    assert environment["RECSITE_ARTIFACT_DIR"] == "/artifacts"
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert re.fullmatch(
        r"postgres://recsite:\$\{POSTGRES_PASSWORD:\?[^}]*\}@postgres:5432/recsite",
        environment["DATABASE_URL"],
    )
    # Secrets are required (compose refuses to start without them), never defaulted.
    assert re.fullmatch(r"\$\{DJANGO_SECRET_KEY:\?[^}]*\}", environment["DJANGO_SECRET_KEY"])
    assert environment["DJANGO_ALLOWED_HOSTS"] == "${DJANGO_ALLOWED_HOSTS:-localhost,127.0.0.1}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_processes_share_the_artifacts_volume(compose, name):
    assert "artifacts:/artifacts" in services(compose)[name]["volumes"]


def test_named_volumes_are_declared(compose):
    # given
    used = {
        volume.split(":")[0]
        for service in services(compose).values()
        for volume in service.get("volumes", [])
    }

    # then
    assert used == {"pgdata", "redisdata", "artifacts"}
    assert set(compose["volumes"]) == used


@pytest.mark.parametrize(
    ("name", "waits_for"),
    [
        ("web", {"postgres", "redis"}),
        ("worker", {"postgres", "redis", "web"}),
        ("beat", {"postgres", "redis", "web"}),
    ],
)
def test_app_processes_start_once_what_they_need_is_healthy(compose, name, waits_for):
    # given
    depends_on = services(compose)[name]["depends_on"]

    # then
    assert depends_on == {dep: {"condition": "service_healthy"} for dep in waits_for}
    for dep in waits_for:
        assert "healthcheck" in services(compose)[dep], f"{dep} has no health check to wait for"


@pytest.mark.parametrize(
    ("name", "probe"),
    [
        ("postgres", "pg_isready -U recsite -d recsite"),
        ("redis", "redis-cli ping"),
        ("web", "http://127.0.0.1:8000/api/health/live"),
        ("worker", "celery -A recsite inspect ping"),
    ],
)
def test_health_checks(compose, name, probe):
    assert probe in healthcheck_of(services(compose)[name])


def test_web_health_probe_is_valid_python(compose):
    # given: the probe runs as `python -c <code>` inside the image
    test = services(compose)["web"]["healthcheck"]["test"]

    # then
    assert test[:3] == ["CMD", "python", "-c"]
    compile(test[3], "healthcheck", "exec")


def dockerfile_instructions():
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    logical = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [tuple(line.strip().split(None, 1)) for line in logical.splitlines() if line.strip()]


def test_dockerfile_builds_a_slim_non_root_gunicorn_image():
    # given
    instructions = dockerfile_instructions()
    by_name = {}
    for name, args in instructions:
        by_name.setdefault(name, []).append(args)

    # then
    assert instructions[0] == ("FROM", "python:3.11-slim")
    assert any("pip install" in run and "-r requirements.txt" in run for run in by_name["RUN"])
    assert any("manage.py collectstatic --noinput" in run for run in by_name["RUN"])
    assert by_name["USER"][-1] not in {"root", "0"}
    assert by_name["EXPOSE"] == ["8000"]
    command = json.loads(by_name["CMD"][-1])
    assert command[:2] == ["gunicorn", "recsite.wsgi:application"]
    assert "0.0.0.0:8000" in command
    assert "DJANGO_SETTINGS_MODULE=recsite.settings.production" in " ".join(by_name["ENV"])


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "var", ".env"} <= set(ignored)


def production_env(tmp_path, **overrides):
    env = {key: value for key, value in os.environ.items() if key not in PRODUCTION_ENV}
    env.update(
        DJANGO_SETTINGS_MODULE="recsite.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="recsite.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}",
        REDIS_URL="redis://127.0.0.1:6379/8",
    )
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def test_production_settings_pass_the_deployment_checks(tmp_path):
    # when
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )

    # then
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


IMPORT_PRODUCTION = """
from django.core.exceptions import ImproperlyConfigured
try:
    import recsite.settings.production
except ImproperlyConfigured as error:
    print("ImproperlyConfigured:", error)
else:
    print("imported")
"""


@pytest.mark.parametrize("missing", PRODUCTION_ENV)
def test_production_settings_have_no_defaults_for_what_the_environment_must_say(tmp_path, missing):
    # when
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_PRODUCTION],
        cwd=ROOT,
        env=production_env(tmp_path, **{missing: None}),
        capture_output=True,
        text=True,
        timeout=60,
    )

    # then
    assert result.stdout.strip() == f"ImproperlyConfigured: Set the {missing} environment variable"


def test_production_settings_import_when_the_environment_is_complete(tmp_path):
    # when
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_PRODUCTION],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )

    # then
    assert result.stdout.strip() == "imported", result.stderr
