"""What the idempotency mechanism covers and how it reads a request: no models and no project
views are imported here, so the schema class (loaded while view modules are being imported) can
use it."""

import hashlib
import json

from django.http.multipartparser import MultiPartParserError
from rest_framework.views import APIView

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# Visible ASCII and the space (0x20-0x7E): what every HTTP stack carries unchanged.
KEY_PATTERN = r"^[ -~]{1,255}$"
KEY_RULE = f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters."
MISMATCH = (
    f"This {HEADER} was already used with a different request (method, path or body). Send a "
    "new key for a new request."
)
IN_FLIGHT = f"A request with this {HEADER} is still being processed; retry shortly."

# Authenticated POSTs that write nothing (dotted names: importing the views here would be
# circular). A key there would only hold a database transaction open while the LM answers.
READ_ONLY_POSTS = frozenset({"recommender.api.generative.GenerativeRecommendView"})


def covers(view_class, method: str) -> bool:
    """Whether a request of ``method`` to ``view_class`` honours an Idempotency-Key: every POST to
    a DRF view that authenticates its caller (the keys are per user) and writes."""
    return (
        method == "POST"
        and isinstance(view_class, type)
        and issubclass(view_class, APIView)
        and bool(view_class.authentication_classes)
        and f"{view_class.__module__}.{view_class.__qualname__}" not in READ_ONLY_POSTS
    )


def key_error(key: str) -> str | None:
    """Why ``key`` is not a valid Idempotency-Key, or None."""
    if 1 <= len(key) <= MAX_KEY_LENGTH and all(" " <= char <= "~" for char in key):
        return None
    return KEY_RULE


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def canonical_body(request) -> bytes:
    """The request's body in a form that a faithful retry reproduces: JSON parsed and
    re-serialised (key order and whitespace do not matter), form fields and files sorted (a
    multipart boundary is random per request), anything else as sent. ``request.body`` must
    have been read, so that parsing here leaves it for the view."""
    content_type = request.content_type or ""
    if _is_json(content_type):
        try:
            parsed = json.loads(request.body)
        # Malformed or too deep (the view's bounded parser answers 400): the bytes identify it.
        except (ValueError, RecursionError):
            return request.body
        return json.dumps(parsed, sort_keys=True, separators=(",", ":")).encode()
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            files = [
                [name, upload.name, hashlib.sha256(upload.read()).hexdigest()]
                for name, uploads in request.FILES.lists()
                for upload in uploads
            ]
            fields = sorted(request.POST.lists())
        except MultiPartParserError:  # e.g. no boundary: the view answers 400
            return request.body
        return json.dumps([fields, sorted(files)]).encode()
    return request.body


def request_hash(*, method: str, path: str, body: bytes) -> str:
    """SHA-256 (hex) of what makes two requests the same: method, path with query string, and
    the canonical body."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        # Length-prefixed, so that no two different (path, body) pairs hash alike.
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()
