"""Work a web process without a broker runs after its responses (the embedded default).

With eager Celery (no REDIS_URL) a task requested by a write or a page would run inside the
request that asked for it: a new reader's first "me" page waited seconds for the text encoder to
load, to mine key phrases that page does not even show. Web processes (recsite/wsgi.py) therefore
call ``defer_work_after_responses``: from then on the outbox hands eager tasks to one daemon
worker thread through a bounded queue, and work requested while a request is being served waits
until its response has been sent (Django's ``request_finished``), so it never competes with it.

Commands and Celery workers run such work inline, as before; so do tests, unless they use the
``deferred_work`` fixture (tests/conftest.py), which defers and drains the queue.
"""

import logging
import queue
import threading
import time
from collections.abc import Callable

from django.core.signals import request_finished, request_started
from django.db import connections

logger = logging.getLogger(__name__)

Work = Callable[[], object]


class BackgroundRunner:
    """One daemon thread running named pieces of work in the order they were handed over."""

    def __init__(self, *, max_queued: int) -> None:
        self._queue: queue.Queue[tuple[str, Work] | None] = queue.Queue(maxsize=max_queued)
        # Work requested by the request this thread is serving (None outside a request).
        self._held = threading.local()
        self._thread: threading.Thread | None = None
        self._thread_lock = threading.Lock()

    def submit(self, name: str, work: Work) -> None:
        held = getattr(self._held, "work", None)
        if held is None:
            self._enqueue(name, work)
        else:
            held.append((name, work))

    def hold(self, **_signal) -> None:
        """A request starts on this thread: what it asks for waits for its response."""
        self.release()  # a request whose end was never signalled must not lose its work
        self._held.work = []

    def release(self, **_signal) -> None:
        """The response was sent: the work its request asked for may start."""
        held, self._held.work = getattr(self._held, "work", None) or [], None
        for name, work in held:
            self._enqueue(name, work)

    def drain(self, *, timeout: float) -> bool:
        """Wait until all queued work has run; False when ``timeout`` seconds passed first."""
        deadline = time.monotonic() + timeout
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._queue.all_tasks_done.wait(remaining)
        return True

    def stop(self, *, timeout: float) -> None:
        """Let the queued work finish, then end the thread."""
        with self._thread_lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)

    def _enqueue(self, name: str, work: Work) -> None:
        with self._thread_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="recsite-background", daemon=True
                )
                self._thread.start()
        try:
            self._queue.put_nowait((name, work))
        except queue.Full:
            # Tasks are idempotent and lists are recomputed on demand: losing a refresh costs
            # freshness, whereas blocking would put the wait back into the request.
            logger.warning(
                "Background queue full (%d waiting): %s dropped", self._queue.maxsize, name
            )

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            name, work = item
            try:
                work()
            except Exception:
                logger.exception("Background work %s failed", name)
            finally:
                # This thread outlives every request: nothing else would close its connections.
                connections.close_all()
                self._queue.task_done()
        self._queue.task_done()


_runner: BackgroundRunner | None = None


def defer_work_after_responses(*, max_queued: int) -> BackgroundRunner:
    """From now on, ``run_in_background`` hands work to this process's background thread."""
    global _runner
    if _runner is None:
        _runner = BackgroundRunner(max_queued=max_queued)
        request_started.connect(_runner.hold, dispatch_uid="recsite-background-hold")
        request_finished.connect(_runner.release, dispatch_uid="recsite-background-release")
    return _runner


def run_inline_again(*, timeout: float) -> None:
    """Undo ``defer_work_after_responses`` once the queued work is done (tests)."""
    global _runner
    if _runner is not None:
        request_started.disconnect(dispatch_uid="recsite-background-hold")
        request_finished.disconnect(dispatch_uid="recsite-background-release")
        _runner.stop(timeout=timeout)
        _runner = None


def run_in_background(name: str, work: Work) -> None:
    """Run ``work`` (called ``name`` in the logs) on the background thread of a process that
    defers its work, or now in any other."""
    if _runner is None:
        work()
    else:
        _runner.submit(name, work)
