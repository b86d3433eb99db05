"""JSON error bodies for the API: field messages for bad input, never an HTML 500 page."""

import logging

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext
from django.views import defaults
from django_redis.exceptions import ConnectionInterrupted
from kombu.exceptions import OperationalError as BrokerUnavailable
from redis.exceptions import RedisError
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"  # where recsite/urls.py includes recsite.api_urls


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than the server accepts."
    default_code = "payload_too_large"


class QueueUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The task queue is unavailable; nothing was queued. Try again later."
    default_code = "queue_unavailable"


# Seconds a client is asked to wait after a 503 for a broker or Redis outage.
QUEUE_RETRY_AFTER_SECONDS = 30


def exception_handler(exc, context):
    # Model-level validation raised inside a service is bad input, not a server error.
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    # Raised while the parser reads a body beyond settings.DATA_UPLOAD_MAX_MEMORY_SIZE.
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    # Background work goes through the outbox (recommender.outbox) and never raises
    # these; a view that needs Redis itself (the broker or the result backend, redis-py errors
    # raw or wrapped by django_redis) answers 503, never 500.
    elif isinstance(exc, BrokerUnavailable | RedisError | ConnectionInterrupted):
        logger.warning("Broker or Redis unavailable: %r", exc)
        exc = QueueUnavailable()
    response = drf_exception_handler(exc, context)
    wait = getattr(exc, "wait", None)  # Throttled's seconds (the stubs do not declare it)
    if response is not None and isinstance(exc, exceptions.Throttled) and wait:
        response["Retry-After"] = str(int(wait) + 1)
    if response is not None and isinstance(exc, QueueUnavailable):
        response["Retry-After"] = str(QUEUE_RETRY_AFTER_SECONDS)
    return response


def page_not_found(request, exception):
    """handler404: an address under /api/ that matches no route answers like the API's own
    404s, in JSON; the site keeps its HTML page."""
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse({"detail": exceptions.NotFound.default_detail}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """handler500: an unhandled error under /api/ still answers in JSON (the details go to the
    log and, with SENTRY_DSN, to the error tracker, never to the client); the site keeps its
    HTML page."""
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse({"detail": gettext("Internal server error.")}, status=500)
    return defaults.server_error(request)
