"""A lock in the shared cache that lives only as long as its holder.

The holder renews the lock's short timeout from a background thread. A holder killed with SIGKILL
(an OOM kill, a redeploy) stops renewing, so its lock expires within one timeout and the next
caller can proceed, instead of being locked out for as long as the longest job could run.
"""

import logging
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.cache import cache

logger = logging.getLogger(__name__)


class LockHeld(Exception):
    pass


@contextmanager
def cache_lock(key: str, *, timeout: float) -> Iterator[None]:
    """Hold ``key`` for the duration of the ``with`` block; raises LockHeld if another holder
    has it. The timeout is renewed every third of ``timeout`` while the block runs."""
    token = secrets.token_hex(8)
    if not cache.add(key, token, timeout=timeout):
        raise LockHeld(key)
    stop = threading.Event()

    def renew():
        while not stop.wait(timeout / 3):
            # Renew only our own lock: after an expiry (e.g. a long stall) another holder owns it.
            if cache.get(key) != token or not cache.touch(key, timeout=timeout):
                logger.warning("Lost the lock %s; the work goes on unprotected", key)
                return

    renewer = threading.Thread(target=renew, name=f"renew {key}", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join()
        if cache.get(key) == token:
            cache.delete(key)
