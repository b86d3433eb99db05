"""Rate limits of the API. They count in the default cache, which is Redis whenever REDIS_URL is
set, so every web process shares one count per user."""

from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import UserRateThrottle


class WritesThrottle(UserRateThrottle):
    """Limits each user's writes (rate "writes" in REST_FRAMEWORK); reads are not counted."""

    scope = "writes"

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)
