"""Shared helpers of the service benchmarks (serving.py, load.py).

A production-shaped deployment on this machine, 127.0.0.1 only: PostgreSQL database
``recsite_bench`` and Redis db 15 (both overridable), citeulike-a imported and an MF version
trained once and reused by later runs; gunicorn and a Celery worker run as subprocesses in their
own process groups, always stopped (SIGTERM, then SIGKILL) when the benchmark ends or fails.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
VAR = ROOT / "var" / "bench"
PYTHON = sys.executable
BIN = Path(sys.executable).parent
CITEULIKE_ARTICLES = 16_980
# Imported readers are "citeulike-a.u<line>" (articles.importers.datasets).
CITEULIKE_READER_PREFIX = "citeulike-a.u"
HOST = "127.0.0.1"


def deployment_env(*, database: str, redis_db: int) -> dict[str, str]:
    """The environment of every process of the deployment (and of this one, for the ORM)."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="recsite.settings.base",
        DATABASE_URL=f"postgres://postgres@{HOST}:5432/{database}",
        REDIS_URL=f"redis://{HOST}:6379/{redis_db}",
        RECSITE_ARTIFACT_DIR=str(VAR / "artifacts"),
        DJANGO_DEBUG="0",
        DJANGO_LOG_LEVEL="WARNING",
        # As recommended for web processes: numpy scoring on one thread per process.
        OPENBLAS_NUM_THREADS="1",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
    )
    return env


def deployment_options(parser: argparse.ArgumentParser) -> None:
    """Add the options naming where the site is deployed: its database and Redis db."""
    parser.add_argument("--database", default="recsite_bench")
    parser.add_argument("--redis-db", type=int, default=15)


def setup_django(env: dict[str, str], *, database: str) -> None:
    """Create ``database`` if missing and point this process's ORM at the benchmark deployment."""
    database_create(database)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def database_create(name: str) -> None:
    import psycopg

    with psycopg.connect(f"postgresql://postgres@{HOST}:5432/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}", flush=True)


def deployment_open(
    args: argparse.Namespace, *, citeulike: Path, **env_extra: str
) -> tuple[dict[str, str], dict]:
    """The deployment ``deployment_options`` named in ``args``, ``env_extra`` added to every
    process's environment: its database created, this process's ORM pointed at it, and
    prepared (``deployment_prepare``). Returns (the environment, what the database holds)."""
    env = deployment_env(database=args.database, redis_db=args.redis_db)
    env.update(env_extra)
    setup_django(env, database=args.database)
    return env, deployment_prepare(env, citeulike=citeulike)


def manage(env: dict[str, str], *args: str) -> None:
    print(f"$ manage.py {' '.join(args)}", flush=True)
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def deployment_prepare(env: dict[str, str], *, citeulike: Path) -> dict:
    """Migrate, import citeulike-a (from the directory ``citeulike``), embed the articles and
    train (MF, then the hybrid over it, as served by default), each only if not done yet.
    Returns what the database holds. Must run after setup_django."""
    from articles.models import Article, Interaction
    from recommender.models import ArticleEmbedding, ModelVersion
    from recommender.runtime.artifacts import artifact_directory

    manage(env, "migrate", "--noinput", "-v", "0")
    if Article.objects.filter(external_id__startswith="citeulike-a:").count() < CITEULIKE_ARTICLES:
        manage(env, "import_dataset", "citeulike-a", str(citeulike), "--no-progress")
    embedded = ArticleEmbedding.objects.count() >= CITEULIKE_ARTICLES
    if not embedded:
        embeddings_from_cache()
        manage(env, "embed_articles")
    active = ModelVersion.objects.filter(
        kind=ModelVersion.Kind.MF, status=ModelVersion.Status.ACTIVE
    ).first()
    if not embedded or active is None or not artifact_directory(active.artifact_path).is_dir():
        manage(env, "retrain", "--sync")
        active = ModelVersion.objects.get(
            kind=ModelVersion.Kind.MF, status=ModelVersion.Status.ACTIVE
        )
    hybrid = ModelVersion.objects.filter(
        kind=ModelVersion.Kind.HYBRID, status=ModelVersion.Status.ACTIVE
    ).first()
    return {
        "articles": Article.objects.count(),
        "embeddings": ArticleEmbedding.objects.count(),
        "interactions": Interaction.objects.count(),
        "model_version": active.pk,
        "model_params": active.params,
        "hybrid_version": hybrid.pk if hybrid is not None else None,
    }


def embeddings_from_cache() -> None:
    """Store the embeddings of the published articles not embedded yet from the EmbeddingCache
    in settings.RECSITE_EMBEDDING_CACHE_DIR when it exists (benchmarks that read citeulike-a
    from its files fill one with the same texts), so that ``embed_articles`` finds them
    unchanged and only writes the snapshot: about 9 minutes of CPU saved. Texts the cache lacks
    are encoded here (and added to it)."""
    from django.conf import settings

    from articles.models import Article
    from recommender.ml.text import EmbeddingCache, article_text, text_hash
    from recommender.models import ArticleEmbedding
    from recommender.runtime.embeddings import encoder
    from recommender.training.embeddings import ENCODE_CHUNK
    from recommender.training.embeddings import _store as embeddings_store

    if not Path(settings.RECSITE_EMBEDDING_CACHE_DIR).is_dir():
        return
    model = encoder()
    cache = EmbeddingCache(settings.RECSITE_EMBEDDING_CACHE_DIR, model.id)
    if not len(cache):
        return
    rows = list(
        Article.objects.filter(status=Article.Status.PUBLISHED)
        .exclude(pk__in=ArticleEmbedding.objects.values("article_id"))
        .order_by("pk")
        .values_list("pk", "title", "summary")
    )
    texts = [article_text(title, summary) for _, title, summary in rows]
    todo = [
        (pk, text, text_hash(model.id, text)) for (pk, _, _), text in zip(rows, texts, strict=True)
    ]
    vectors, encoded = cache.embed(texts, model.encode)
    for start in range(0, len(todo), ENCODE_CHUNK):
        end = start + ENCODE_CHUNK
        embeddings_store(model, todo[start:end], vectors[start:end])
    print(f"embeddings: {len(todo) - encoded} of {len(todo)} from the cache", flush=True)


def reader_ids(count: int, *, skip: int = 0) -> list[int]:
    """Ids of imported citeulike-a readers, a stable selection."""
    from django.contrib.auth import get_user_model

    ids = list(
        get_user_model()
        .objects.filter(username__startswith=CITEULIKE_READER_PREFIX, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)[skip : skip + count]
    )
    if len(ids) < count:
        raise SystemExit(f"only {len(ids)} imported readers after skipping {skip}, need {count}")
    return ids


def tokens_for(user_ids: list[int]) -> dict[int, str]:
    """API token keys by user id, created where missing (imported readers have no usable
    password, so POST /api/auth/token/ cannot be used for them)."""
    from rest_framework.authtoken.models import Token

    keys = dict(Token.objects.filter(user_id__in=user_ids).values_list("user_id", "key"))
    missing = [Token(user_id=pk, key=Token.generate_key()) for pk in user_ids if pk not in keys]
    Token.objects.bulk_create(missing)
    keys.update((token.user_id, token.key) for token in missing)
    return keys


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def http_get(port: int, path: str, *, token: str | None = None, timeout: float = 10.0):
    """(status, body bytes) of one GET."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        headers = {"Authorization": f"Token {token}"} if token else {}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# --- processes ------------------------------------------------------------------------------


def _stop_group(process: subprocess.Popen, grace: float) -> None:
    """SIGTERM the process group, SIGKILL whatever is left after ``grace`` seconds."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    # Children (gunicorn workers, Celery pool processes) may outlive their parent.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


def children_of(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(child) for child in path.read_text().split()]
    except OSError:
        return []


def memory_mib(pid: int) -> dict[str, float]:
    """Resident memory of a process: total (VmRSS), private (RssAnon) and file-backed pages
    (RssFile: code, and the memory-mapped model factors, shared between processes)."""
    wanted = {"VmRSS": "rss", "RssAnon": "anon", "RssFile": "file"}
    result = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in wanted:
            result[wanted[name]] = round(int(value.split()[0]) / 1024, 1)
    return result


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process."""
    # Field 2 (comm) may contain spaces: split after its closing parenthesis.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """A server process in a session of its own (stopping the group stops its children),
    started by a subclass's ``__enter__`` through ``_start`` and ready once ``_ready()`` says so."""

    what = ""  # for messages: "gunicorn"
    ready_timeout = 60.0
    poll_seconds = 0.2
    env: dict[str, str]
    log: Path  # where to look when it failed
    process: subprocess.Popen | None = None

    def _start(self, command: list[str], **streams) -> None:
        """Run ``command`` from the repository with ``env``; wait until ready, or stop it and
        raise (``__exit__`` cleans up as after a failure)."""
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            **streams,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.what} exited; see {self.log}")
            if self._ready():
                return
            time.sleep(self.poll_seconds)
        raise RuntimeError(
            f"{self.what} was not ready after {self.ready_timeout} s; see {self.log}"
        )

    def _ready(self) -> bool:
        """Whether the process now serves; asked until it does or ``ready_timeout`` passes."""
        raise NotImplementedError


class Gunicorn(Server):
    """``gunicorn recsite.wsgi`` with sync workers, as the Dockerfile runs it, and an access log
    of method, path, status and the time the worker spent on each request (microseconds)."""

    ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(D)s"
    what = "gunicorn"

    def __init__(self, env: dict[str, str], *, workers: int = 2, wsgi="recsite.wsgi:application"):
        self.env = env
        self.workers = workers
        self.wsgi = wsgi
        self.port = free_port()
        VAR.mkdir(parents=True, exist_ok=True)
        self.access_log = VAR / f"access-{self.port}.log"
        self.log = VAR / f"gunicorn-{self.port}.log"  # its error log
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        self.access_log.unlink(missing_ok=True)
        command = [
            str(BIN / "gunicorn"),
            self.wsgi,
            f"--bind={HOST}:{self.port}",
            f"--workers={self.workers}",
            f"--access-logfile={self.access_log}",
            f"--access-logformat={self.ACCESS_FORMAT}",
            f"--error-logfile={self.log}",
            "--timeout=60",
        ]
        self._start(command)
        return self

    def _ready(self) -> bool:
        with contextlib.suppress(OSError):
            live = http_get(self.port, "/api/health/live", timeout=2)[0] == 200
            return live and len(self.worker_pids()) == self.workers
        return False

    def __exit__(self, exc_type, *exc) -> None:
        if self.process is not None:
            _stop_group(self.process, grace=10)
        self.access_log.unlink(missing_ok=True)
        if exc_type is None:  # the error log is kept only to explain a failure
            self.log.unlink(missing_ok=True)

    def worker_pids(self) -> list[int]:
        return children_of(self.process.pid)

    def access_offset(self) -> int:
        return self.access_log.stat().st_size if self.access_log.exists() else 0

    def access_entries(self, since: int) -> list[tuple[str, str, int, float]]:
        """(method, path, status, worker milliseconds) logged after byte offset ``since``."""
        entries = []
        with self.access_log.open() as handle:
            handle.seek(since)
            for line in handle:
                method, path, status, micros = line.split()
                entries.append((method, path, int(status), int(micros) / 1000))
        return entries


class CeleryWorker(Server):
    """One Celery worker on every queue, concurrency 1, as docker-compose runs it."""

    what = "the Celery worker"
    ready_timeout = 90.0
    poll_seconds = 0.3

    def __init__(self, env: dict[str, str], *, queues: str = "default,ml,inference", name="bench"):
        self.env = env
        self.queues = queues
        self.name = name  # several workers at once need names of their own
        VAR.mkdir(parents=True, exist_ok=True)
        self.log = VAR / f"celery-worker-{name}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> CeleryWorker:
        self.log.unlink(missing_ok=True)
        command = [
            str(BIN / "celery"),
            "-A",
            "recsite",
            "worker",
            "-Q",
            self.queues,
            "-c",
            "1",
            "-l",
            "info",
            f"--logfile={self.log}",
            f"--hostname={self.name}-{os.getpid()}@%h",
        ]
        # The banner goes to stdout.
        with (VAR / f"celery-worker-{self.name}.out").open("wb") as output:
            self._start(command, stdout=output, stderr=subprocess.STDOUT)
        return self

    def _ready(self) -> bool:
        return self.log.exists() and " ready." in self.log.read_text(errors="replace")

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            _stop_group(self.process, grace=15)


# --- Redis ----------------------------------------------------------------------------------


def redis_client(redis_db: int):
    import redis

    return redis.Redis(host=HOST, port=6379, db=redis_db)


QUEUES = ("default", "ml", "inference")


def queues_purge(client) -> int:
    """Drop Celery messages of this benchmark deployment (its own Redis db): those left by an
    interrupted run, or queued by web requests while no worker ran. Returns how many."""
    stale = queue_backlog(client)
    client.delete(*QUEUES, "unacked", "unacked_index")
    return stale


def queue_backlog(client, queues=QUEUES) -> int:
    """Celery messages waiting in the broker plus those delivered but not yet acknowledged
    (acks_late: a task being executed stays in kombu's ``unacked`` hash until it finished)."""
    return sum(client.llen(queue) for queue in queues) + client.hlen("unacked")


# --- figures --------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), nearest-rank; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil(n q / 100), at least 1
    return ordered[int(rank) - 1]


def machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "load_average_before": os.getloadavg(),
        "note": "2 cores shared with other engineers' tests and trainings; "
        "client and server on the same machine",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def report_write(name: str, *, machine: dict, data: dict, **fields) -> Path:
    """Write benchmarks/results/<name>.json for the deployment benchmark ``name``: what ran
    (command, revision, machine, data), then ``fields``. Returns its path."""
    report = {
        "benchmark": name,
        "command": f"python benchmarks/{name}.py " + " ".join(sys.argv[1:]),
        "revision": git_revision(),
        "machine": machine | {"load_average_after": os.getloadavg()},
        "data": {"dataset": "citeulike-a"} | data,  # a benchmark on other data names it
        **fields,
    }
    path = RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")
    return path


def git_revision() -> str:
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        return (
            subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, check=True
            )
            .stdout.decode()
            .strip()
        )
    return "unknown"


def iter_chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
