"""The OpenAPI schema states every answer the API gives, not only the successful one.

``ApiAutoSchema`` (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) adds to each operation the error
responses that the project-wide machinery can produce, derived from what the operation has
(parameters, a body, authentication, permissions, throttles), so that a new endpoint, header or
throttle is documented without listing its errors by hand. Statuses that a view documents itself
(with its own description or body) are kept as they are. It also marks as optionally
authenticated the safe methods that anonymous clients may call.
"""

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import is_list_serializer
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import permissions, serializers
from rest_framework.authentication import SessionAuthentication

from articles.api.serializers import StrictInputSerializer

# Permission classes that can refuse only an anonymous client (401 with the token challenge),
# never a signed-in one; any other class may answer 403.
ANONYMOUS_ONLY_REFUSALS = (
    permissions.AllowAny,
    permissions.IsAuthenticated,
    permissions.IsAuthenticatedOrReadOnly,
)
# Permission classes that let anonymous clients read: their safe methods need no credentials.
ANONYMOUS_READS = (
    permissions.AllowAny,
    permissions.IsAuthenticatedOrReadOnly,
    permissions.DjangoModelPermissionsOrAnonReadOnly,
)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, for people.")


# Bad input is answered with messages per field ({"title": ["..."]}; a batch's by item index),
# or {"detail": "..."} for a body that is not JSON.
VALIDATION_ERRORS = {
    "type": "object",
    "additionalProperties": {},
    "description": "Messages per field (a list's by item index), or `detail`.",
}


RETRY_AFTER = {
    "description": "Seconds to wait before the next request.",
    "schema": {"type": "integer", "minimum": 0},
}


class ApiAutoSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        for parameter in operation.get("parameters", []):
            # DRF and django-filter read an empty optional query parameter (`?topic=`) as absent.
            if parameter["in"] == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
        # A oneOf body (one item or a batch) is never empty; drf-spectacular cannot tell.
        if "requestBody" in operation and isinstance(
            self.get_request_serializer(), PolymorphicProxySerializer
        ):
            operation["requestBody"]["required"] = True
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        for code, description in self._error_statuses(operation):
            schema = VALIDATION_ERRORS if code == "400" else error
            content = {"application/json": {"schema": schema}}
            response = {"description": description, "content": content}
            if code == "429":
                response["headers"] = {"Retry-After": RETRY_AFTER}
            operation["responses"].setdefault(code, response)
        return operation

    def get_auth(self):
        auths = super().get_auth()
        safe = self.method in permissions.SAFE_METHODS
        permission_classes = [type(permission) for permission in self.view.get_permissions()]
        if (
            safe
            and {} not in auths
            and all(issubclass(cls, ANONYMOUS_READS) for cls in permission_classes)
        ):
            auths.append({})
        return auths

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, StrictInputSerializer):
            schema["additionalProperties"] = False  # unknown keys are a 400
        return schema

    def _unwrap_list_serializer(self, serializer, direction):
        schema = super()._unwrap_list_serializer(serializer, direction)
        # A list body's bounds (e.g. an interactions batch: 1 to 1,000 items), which
        # drf-spectacular leaves out.
        if schema and is_list_serializer(serializer) and direction == "request":
            bounds: Any = serializer  # the stubs declare neither min_length nor max_length
            if not bounds.allow_empty:
                schema["minItems"] = max(1, bounds.min_length or 0)
            elif bounds.min_length is not None:
                schema["minItems"] = bounds.min_length
            if bounds.max_length is not None:
                schema["maxItems"] = bounds.max_length
        return schema

    def _error_statuses(self, operation: dict) -> list[tuple[str, str]]:
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        authenticators = self.view.get_authenticators()
        permission_classes = [type(permission) for permission in self.view.get_permissions()]
        unsafe = self.method not in permissions.SAFE_METHODS
        statuses = []
        if has_body or any(parameter["in"] != "path" for parameter in parameters):
            statuses.append(("400", "Invalid input, with a message per field."))
        if authenticators:
            statuses.append(("401", "Not signed in, or an invalid token."))
        csrf = unsafe and any(isinstance(a, SessionAuthentication) for a in authenticators)
        if csrf or not all(issubclass(c, ANONYMOUS_ONLY_REFUSALS) for c in permission_classes):
            statuses.append(("403", "Not allowed for this account (or a session without CSRF)."))
        if any(parameter["in"] == "path" for parameter in parameters):
            statuses.append(("404", "No such object, or not visible to this account."))
        elif self._is_list_view() and self._get_paginator() is not None:
            statuses.append(("404", "Beyond the last page."))
        if has_body:
            statuses.append(("413", "The body is larger than the server accepts."))
            statuses.append(("415", "The body's media type is not accepted."))
        safe = self.method in permissions.SAFE_METHODS
        # A throttle of writes only (articles.api.throttles.WritesThrottle) never limits a read.
        throttles = self.view.get_throttles()
        if any(not (safe and getattr(throttle, "writes_only", False)) for throttle in throttles):
            statuses.append(("429", "Too many requests; retry after `Retry-After` seconds."))
        return statuses
