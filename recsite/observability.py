"""Where errors go: an error tracker when ``SENTRY_DSN`` is set (sentry-sdk, with the Django and
Celery integrations), and logs as plain lines or, with ``RECSITE_LOG_FORMAT=json``, one JSON
object per line (what log collectors index). Used by the settings, so nothing here imports
Django's models.
"""

import json
import logging
import traceback
from datetime import UTC, datetime

LOG_FORMATS = ("plain", "json")


class JsonFormatter(logging.Formatter):
    """A record as one JSON line: time, level, logger, message, and where there is one, the
    request's method and path and the exception's type and traceback (Django logs unhandled
    view errors on ``django.request`` with the request attached)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            line["method"] = request.method
            line["path"] = request.path
        status_code = getattr(record, "status_code", None)  # set by django.request's records
        if status_code is not None:
            line["status_code"] = status_code
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = record.exc_info[0].__name__
            line["traceback"] = "".join(traceback.format_exception(*record.exc_info))
        return json.dumps(line, default=str)


def logging_config(*, log_format: str, level: str) -> dict:
    """The LOGGING setting: every record to stderr, as plain lines or JSON lines."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"RECSITE_LOG_FORMAT must be one of {LOG_FORMATS}, not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
            "json": {"()": JsonFormatter},
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": log_format}},
        "root": {"handlers": ["console"], "level": level},
        # faiss logs which CPU build it loads, at INFO, on every process start.
        "loggers": {"faiss.loader": {"level": "WARNING"}},
    }


def sentry_init(*, dsn: str, environment: str, release: str | None, traces_rate: float) -> None:
    """Report unhandled errors (web requests and Celery tasks) to the tracker at ``dsn``.
    No personal data is sent: no user, cookies, request bodies or query strings (searches are
    behaviour), and no local variables of the stack frames (they may hold a reader's data)."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # What send_default_pii=False meant, spelled out (the option that supersedes it).
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "stack_frame_variables": False,
        },
        environment=environment,
        release=release,
        traces_sample_rate=traces_rate,
    )
