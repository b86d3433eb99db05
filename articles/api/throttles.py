"""Rate limits of the API and of the reader site, and the client address they key on.

Every limit is one of DRF's cache-counted throttles (the rates are REST_FRAMEWORK's
DEFAULT_THROTTLE_RATES), so the site's views reuse the same engine through ``throttle_wait``
instead of a second one. They count in the default cache, which is Redis whenever REDIS_URL is
set, so every web process shares one count per user (or, for anonymous requests, per address).
"""

import math

from django.conf import settings
from django.http import HttpRequest
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle
from rest_framework.views import APIView


def client_ip(request: HttpRequest | Request) -> str:
    """The client's address: REMOTE_ADDR, or behind ``settings.RECSITE_TRUSTED_PROXIES`` = N
    proxies, the address the outermost of them received the request from.

    Each proxy appends the address it received the request from to X-Forwarded-For, so the last
    N entries are ours and anything left of them is whatever the client wrote (a new value per
    request must not make a new client). With fewer entries than N, every entry was written by
    a proxy and the first is the outermost one's."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.RECSITE_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if proxies <= 0 or not hops:
        return remote
    return hops[-min(proxies, len(hops))]


class _ByClientAddress:
    # DRF's own get_ident reads NUM_PROXIES once per process; this reads the same setting (see
    # RECSITE_TRUSTED_PROXIES) through the one helper that the login defence uses too.
    def get_ident(self, request: HttpRequest | Request) -> str:
        return client_ip(request)


class PerUserThrottle(_ByClientAddress, UserRateThrottle):
    """A signed-in user's requests of ``scope``, or an anonymous client address's."""

    # True where reads are never counted (the schema then documents no 429 on them).
    writes_only = False


class WritesThrottle(PerUserThrottle):
    """Limits each user's writes (rate "writes" in REST_FRAMEWORK); reads are not counted."""

    scope = "writes"
    writes_only = True

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)


class SearchThrottle(PerUserThrottle):
    """Searches (``?q=``): each is a full-text query and a stored row of behaviour."""

    scope = "search"

    def allow_request(self, request: Request, view: APIView) -> bool:
        if not request.GET.get("q", "").strip():
            return True
        return super().allow_request(request, view)


class RecommendThrottle(PerUserThrottle):
    """Generative recommendations: each one occupies the inference worker."""

    scope = "recommend"


class LoginThrottle(_ByClientAddress, SimpleRateThrottle):
    """Password checks per client address, whoever they are for (rate "auth"): each costs a
    password hash, and guessing many accounts' passwords from one address is the brute force
    that this stops, without touching the accounts themselves."""

    scope = "auth"

    def get_cache_key(self, request: Request, view: APIView) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ViewsThrottle(PerUserThrottle):
    """Behaviour recorded by loading pages (article views, recommended cards shown)."""

    scope = "views"


SITE_THROTTLES = {
    throttle.scope: throttle
    for throttle in (WritesThrottle, SearchThrottle, LoginThrottle, ViewsThrottle)
}


def throttle_wait(request: HttpRequest, scope: str) -> int | None:
    """Count a site (non-DRF) request against the throttle of ``scope``: None when it is
    allowed, else the whole seconds to wait (for Retry-After)."""
    throttle = SITE_THROTTLES[scope]()
    # A site page has no DRF view; these throttles' cache keys never read it.
    if throttle.allow_request(request, None):  # type: ignore[arg-type]
        return None
    return max(1, math.ceil(throttle.wait() or 1))
