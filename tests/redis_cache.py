"""The cache settings of tests that run the site on a real (or dead) Redis."""


def redis_caches(location: str, **cache) -> dict:
    """``CACHES`` with the default cache in django_redis at ``location``, giving up on a dead
    server after a second instead of hanging; ``cache`` adds to its settings (``KEY_PREFIX``)."""
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": location,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
            **cache,
        }
    }
