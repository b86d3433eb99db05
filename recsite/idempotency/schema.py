"""The OpenAPI side of idempotency keys: every operation that honours the header documents it,
the replay header, and the 400, 409 and 422 answers (recsite.idempotency.middleware)."""

from drf_spectacular.utils import OpenApiParameter

from ..api_schema import ApiAutoSchema
from .rules import (
    HEADER,
    IN_FLIGHT,
    KEY_PATTERN,
    KEY_RULE,
    MAX_KEY_LENGTH,
    MISMATCH,
    REPLAYED_HEADER,
    covers,
)

KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    location=OpenApiParameter.HEADER,
    type={"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": KEY_PATTERN},
    description="Optional, chosen by the client (a UUID, say). A retry with the same key and "
    "body while the key lives (24 hours by default) returns the first successful response "
    "again and writes nothing; the same key with another body is 422; a retry while the first "
    "is still running waits for it or gets 409. Keys are per user; only 2xx responses are "
    "kept. " + KEY_RULE,
)
REPLAYED_PARAMETER = OpenApiParameter(
    name=REPLAYED_HEADER,
    location=OpenApiParameter.HEADER,
    type={"type": "string", "enum": ["true"]},
    description=f"Present on a response replayed for an {HEADER} already used.",
    response=True,
)


def _detail(description: str, example: str) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"detail": {"type": "string", "example": example}},
                    "required": ["detail"],
                }
            }
        },
    }


KEY_RESPONSES = {
    "400": {
        "description": f"Bad input, or a bad {HEADER} header (field message under its name).",
    },
    "409": _detail(f"A request with the same {HEADER} is still being processed.", IN_FLIGHT),
    "422": _detail(f"The {HEADER} was already used with a different request.", MISMATCH),
}


class AutoSchema(ApiAutoSchema):
    """The API's schema (recsite.api_schema), plus the idempotency key where the middleware
    honours it."""

    def _covered(self) -> bool:
        return covers(type(self.view), self.method)

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self._covered():
            return [*parameters, KEY_PARAMETER, REPLAYED_PARAMETER]
        return parameters

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is not None and self._covered():
            for code, response in KEY_RESPONSES.items():
                # An operation's own 400 (its field messages) stays; 409/422 are ours alone.
                operation["responses"].setdefault(code, response)
        return operation
