"""Password-guessing defence that an attacker cannot turn into a lockout of someone else.

Two limits, both counted in the default cache (Redis in production, shared by every web
process), never a sleep in a web worker:

- per client address: the "auth" rate (articles.api.throttles.LoginThrottle) on every login
  path. It stops a brute force, over one account or many, from one address, and bounds the CPU
  an address can spend on password hashing.
- per account: after settings.RECSITE_LOGIN_FAILURE_LIMIT failures within
  RECSITE_LOGIN_FAILURE_WINDOW_SECONDS, each further failure makes the account's next logins
  wait 1 s, 2 s, 4 s ... capped at RECSITE_LOGIN_BACKOFF_MAX_SECONDS (answered 429 with
  Retry-After). It slows a guesser spread over many addresses to about one guess per cap.

The trade-off: anybody who knows a username can make its logins wait, so the wait is short and
bounded, and it does not apply from an address the account logged in from within
RECSITE_LOGIN_KNOWN_ADDRESS_DAYS: the owner at home or at work is never kept out by a stranger.
Nothing is a hard lock, and nothing is keyed on REMOTE_ADDR alone, which behind a proxy is the
proxy's (set RECSITE_TRUSTED_PROXIES).

The authentication backend applies the back-off to every password check (site, admin, token
endpoint); the views check first to answer 429 without hashing. If the cache is down, counting
silently stops (fail open): a login outage would be worse than a window without protection.
"""

import hashlib
import logging
import math
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

from articles.api.throttles import client_ip

from .privacy import LOGIN_BACKOFF, LOGIN_FAILURES, LOGIN_KNOWN, login_account_digest

logger = logging.getLogger(__name__)

DAY_SECONDS = 24 * 60 * 60


def _failures_key(username) -> str:
    return LOGIN_FAILURES.key(digest=login_account_digest(username))


def _backoff_key(username) -> str:
    return LOGIN_BACKOFF.key(digest=login_account_digest(username))


def _known_key(username) -> str:
    # One key per account (so deleting the account finds it), holding address digests.
    return LOGIN_KNOWN.key(digest=login_account_digest(username))


def _address_digest(request) -> str:
    # Addresses are personal data too: only a digest is stored.
    address = client_ip(request) if request is not None else ""
    return hashlib.sha256(address.encode()).hexdigest()[:32]


def _known_addresses(username) -> dict[str, float]:
    """Digest of each address the account logged in from -> until when it counts as known."""
    return cache.get(_known_key(username)) or {}


def login_wait(*, request, username: str | None) -> int | None:
    """Whole seconds this client must wait before trying ``username`` again, or None."""
    if _known_addresses(username).get(_address_digest(request), 0) > time.time():
        return None
    until = cache.get(_backoff_key(username))
    remaining = (until or 0) - time.time()
    return math.ceil(remaining) if remaining > 0 else None


def login_failure_record(*, request, username: str | None) -> None:
    key = _failures_key(username)
    window = settings.RECSITE_LOGIN_FAILURE_WINDOW_SECONDS
    # The window starts at the first failure and is not extended by later ones.
    if cache.add(key, 1, timeout=window):
        failures = 1
    else:
        try:
            failures = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=window)
            failures = 1
    beyond = failures - settings.RECSITE_LOGIN_FAILURE_LIMIT
    if beyond >= 0:
        delay = min(2 ** min(beyond, 30), settings.RECSITE_LOGIN_BACKOFF_MAX_SECONDS)
        # The deadline is the value (not only the key's expiry) so Retry-After can say it.
        cache.set(_backoff_key(username), time.time() + delay, timeout=delay + 1)


def login_success_record(*, request, username: str | None) -> None:
    cache.delete_many([_failures_key(username), _backoff_key(username)])
    lifetime = settings.RECSITE_LOGIN_KNOWN_ADDRESS_DAYS * DAY_SECONDS
    now = time.time()
    known = {address: until for address, until in _known_addresses(username).items() if until > now}
    known[_address_digest(request)] = now + lifetime
    cache.set(_known_key(username), known, timeout=lifetime)


class ThrottledModelBackend(ModelBackend):
    """Django's username/password backend, refusing an account in back-off (except from its
    known addresses) and counting failures."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if login_wait(request=request, username=username) is not None:
            logger.warning("Login refused: %r is in back-off after failed logins", username)
            # PermissionDenied makes django.contrib.auth.authenticate() stop and fail at once.
            raise PermissionDenied("Too many failed logins.")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failure_record(request=request, username=username)
        else:
            login_success_record(request=request, username=username)
        return user
