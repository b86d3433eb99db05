"""The middleware that makes authenticated API POSTs idempotent under an ``Idempotency-Key``.

It runs around the view (process_view), so that one mechanism covers every covered POST of
every app without those apps importing the project app (DESIGN §2: recsite -> recommender ->
articles, never back). For a covered request that carries the header:

1. the caller is authenticated with the view's own authenticators (keys are per user; a caller
   who is not authenticated is left to the view, which answers 401/403);
2. a bad header is 400 with a field message;
3. an unexpired key of the caller is replayed -- the stored status, body and content type, with
   ``Idempotent-Replayed: true`` -- or, if it came with another method, path or body, 422;
4. otherwise the key row is inserted, the view runs and its response is stored, all in one
   database transaction: a process that dies half-way leaves neither the writes nor the key.
   A concurrent request with the same key waits on the row (PostgreSQL) and replays the first
   response once it commits, or gets 409 after settings.RECSITE_IDEMPOTENCY_WAIT_SECONDS.

Only 2xx responses are kept. Any other answer is rolled back with the key, so the key stays free:
a 4xx refused the request (nothing was written), and a retry after fixing the body, or after the
state changed (the explanation exists, the retraining finished), must run rather than replay
the refusal for 24 hours; a 5xx is worth retrying by definition.
"""

from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.status import is_success

from .rules import (
    HEADER,
    IN_FLIGHT,
    MISMATCH,
    REPLAYED_HEADER,
    canonical_body,
    covers,
    key_error,
    request_hash,
)
from .selectors import idempotency_key_find
from .services import (
    IdempotencyKeyBusy,
    IdempotencyKeyTaken,
    idempotency_key_claim,
    idempotency_key_store,
)

IN_FLIGHT_RETRY_AFTER_SECONDS = 1


def _authenticated_user(request, view_class):
    """The caller as the view will authenticate them, or None. DRF's Request writes the user it
    finds (or AnonymousUser, on a CSRF failure) onto the Django request; the original is put
    back, so that the view decides exactly as without this middleware."""
    drf_request = Request(
        request,
        # The CSRF check of a session reads the body's form fields through the parsers.
        parsers=[parser() for parser in view_class.parser_classes],
        authenticators=[auth() for auth in view_class.authentication_classes],
    )
    original = request.user
    try:
        user = drf_request.user
    except exceptions.APIException:
        return None  # bad credentials or a missing CSRF token: the view answers them
    finally:
        request.user = original
    return user if user.is_authenticated else None


def _replay(stored, digest: str) -> HttpResponse:
    if stored.request_hash != digest:
        return JsonResponse({"detail": MISMATCH}, status=422)
    response = HttpResponse(
        bytes(stored.body), status=stored.status_code, content_type=stored.content_type
    )
    response[REPLAYED_HEADER] = "true"
    return response


def _in_flight() -> HttpResponse:
    response = JsonResponse({"detail": IN_FLIGHT}, status=409)
    response["Retry-After"] = str(IN_FLIGHT_RETRY_AFTER_SECONDS)
    return response


def _respond_once(call_view, *, user, key: str, digest: str) -> HttpResponse:
    if (stored := idempotency_key_find(user=user, key=key)) is not None:
        return _replay(stored, digest)
    try:
        with transaction.atomic():
            record = idempotency_key_claim(user=user, key=key, request_hash=digest)
            response = call_view()
            if not is_success(response.status_code):
                transaction.set_rollback(True)  # see the module docstring: the key stays free
                return response
            if hasattr(response, "render"):  # a DRF response is rendered after the middleware
                response.render()
            idempotency_key_store(
                record=record,
                status_code=response.status_code,
                body=response.content,
                content_type=response.get("Content-Type", ""),
            )
            return response
    except IdempotencyKeyTaken:
        # The other request committed: its response is there unless it expired meanwhile.
        stored = idempotency_key_find(user=user, key=key)
        return _replay(stored, digest) if stored is not None else _in_flight()
    except IdempotencyKeyBusy:
        return _in_flight()


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        key = request.headers.get(HEADER)
        view_class = getattr(view_func, "cls", None)
        if key is None or not covers(view_class, request.method):
            return None
        try:
            # Read (and kept) first, so that it can be parsed again: by the CSRF check of a
            # session, for the request's hash, then by the view.
            request.body  # noqa: B018 (the read is the point)
        except RequestDataTooBig:
            return None  # the view answers 413 before anything is written
        user = _authenticated_user(request, view_class)
        if user is None:
            return None
        if (error := key_error(key)) is not None:
            return JsonResponse({HEADER: [error]}, status=400)
        digest = request_hash(
            method=request.method, path=request.get_full_path(), body=canonical_body(request)
        )
        return _respond_once(
            lambda: view_func(request, *view_args, **view_kwargs),
            user=user,
            key=key,
            digest=digest,
        )
