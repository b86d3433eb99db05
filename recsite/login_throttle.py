"""Brute-force protection for password logins.

Failed logins are counted per (username, client address) in the default cache (Redis in
production, so every web process shares the count). Once a pair reaches
settings.RECSITE_LOGIN_FAILURE_LIMIT failures within RECSITE_LOGIN_FAILURE_WINDOW_SECONDS, that
pair is refused even with the right password until the window ends. Keying on the pair (not the
username alone) means an attacker cannot lock a reader out from everywhere.

The check sits in an authentication backend, so the site's login form, the admin's and the API
token endpoint all go through it. If the cache is down, counting silently stops (fail open): a
login outage would be worse than a window without brute-force protection.
"""

import hashlib
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

from .privacy import LOGIN_FAILURES

logger = logging.getLogger(__name__)


def _client_address(request) -> str:
    # REMOTE_ADDR is the proxy's address behind a load balancer; the username keeps the pair
    # specific enough that this is still a per-account limit there.
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def _key(request, username: str) -> str:
    pair = f"{(username or '').casefold()}\n{_client_address(request)}"
    return LOGIN_FAILURES.key(digest=hashlib.sha256(pair.encode()).hexdigest()[:32])


def login_locked(*, request, username: str) -> bool:
    failures = cache.get(_key(request, username)) or 0
    return failures >= settings.RECSITE_LOGIN_FAILURE_LIMIT


def login_failure_record(*, request, username: str) -> None:
    key = _key(request, username)
    # The window starts at the first failure and is not extended by later ones.
    if not cache.add(key, 1, timeout=settings.RECSITE_LOGIN_FAILURE_WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=settings.RECSITE_LOGIN_FAILURE_WINDOW_SECONDS)


def login_failures_clear(*, request, username: str) -> None:
    cache.delete(_key(request, username))


class ThrottledModelBackend(ModelBackend):
    """Django's username/password backend, refusing (username, address) pairs that failed too
    often and counting failures."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if login_locked(request=request, username=username):
            logger.warning("Login refused: too many failures for %r from this address", username)
            # PermissionDenied makes django.contrib.auth.authenticate() stop and fail at once.
            raise PermissionDenied("Too many failed logins.")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failure_record(request=request, username=username)
        else:
            login_failures_clear(request=request, username=username)
        return user
