"""Project-level API endpoints: token login, the caller's own account (export, deletion) and
health probes for load balancers and orchestrators."""

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast
from uuid import uuid4

import redis
from django.contrib.auth import get_user_model, logout
from django.core.cache import cache
from django.db import connection
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from articles.api.serializers import StrictInputSerializer
from articles.api.throttles import LoginThrottle, WritesThrottle
from articles.privacy import PERSONAL_MODELS, personal_data_delete, personal_data_export
from recommender.ranking.personalisation import personalisation_enabled, personalisation_set

from . import login_throttle
from .authentication import token_issue
from .celery import app as celery_app
from .privacy import HEALTH

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

# --- token ----------------------------------------------------------------------------------


@extend_schema(
    summary="Get an API token",
    description="Send it back as `Authorization: Token <token>`. The same token is returned "
    "until it expires, `RECSITE_TOKEN_TTL_DAYS` days (30 by default) after it was issued; an "
    "expired token is refused with 401 `Token expired` and this endpoint then issues a fresh "
    "one. Changing or resetting the account's password, deactivating or deleting the account "
    "revokes its token at once.",
    request=AuthTokenSerializer,
    responses={
        200: inline_serializer("Token", {"token": serializers.CharField()}),
        429: OpenApiResponse(
            description="Too many attempts from your address, or failed logins for this "
            "account: wait Retry-After seconds."
        ),
    },
    auth=[],
)
class TokenView(ObtainAuthToken):
    # The credentials are in the body; a browser session must not make this POST need CSRF.
    authentication_classes = []
    throttle_classes = [LoginThrottle]
    # ObtainAuthToken names DRF's plain parsers; the project's bounded JSON parser applies here too.
    # (api_settings imports the dotted paths: classes at run time, strings to the stubs)
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES  # type: ignore[assignment]

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Checked before the password is hashed; the backend refuses the same back-off too.
        username = request.data.get("username") if hasattr(request.data, "get") else None
        wait = login_throttle.login_wait(request=request, username=str(username or ""))
        if wait is not None:
            raise Throttled(wait=wait, detail=gettext("Too many failed logins for this account."))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = token_issue(user=serializer.validated_data["user"])
        return Response({"token": token.key})


# --- me -------------------------------------------------------------------------------------


class PersonalisedField(serializers.BooleanField):
    """The account's personalisation switch (recommender.ranking.personalisation)."""

    def get_attribute(self, instance):
        return personalisation_enabled(user_id=instance.pk)


class AccountSerializer(StrictInputSerializer, serializers.ModelSerializer):
    # Not `format: email`: an account may have none, and then it is "".
    email = serializers.CharField(read_only=True, help_text="Empty when the account has none.")
    personalised = PersonalisedField(
        help_text="Whether your recommendations are personal. Off: trending and newest articles "
        "for everyone, and your behaviour is used neither for you nor to train the model.",
    )

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "email", "date_joined", "personalised"]
        read_only_fields = ["id", "username", "email", "date_joined"]


def _model_field(model, lookup: str):
    *path, name = lookup.split("__")
    for step in path:
        model = model._meta.get_field(step).related_model
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    return field.target_field if field.is_relation else field


def _exported_row_serializer(name: str, entry) -> serializers.Serializer:
    """The schema of one export section, from the registry entry's model fields."""
    mapping = serializers.ModelSerializer.serializer_field_mapping
    fields = {}
    for alias, lookup in entry.fields.items():
        field = _model_field(entry.model, lookup)
        kind = next(cls for cls in type(field).__mro__ if cls in mapping)
        fields[alias] = mapping[kind](allow_null=field.null or "__" in lookup)
    return inline_serializer(f"Exported_{name}", fields, many=name != "account")


# The shape of articles.privacy.personal_data_export, for the schema: one section per
# registered personal model, so the schema cannot drift from what is exported.
DataExportSerializer = inline_serializer(
    "DataExport",
    {name: _exported_row_serializer(name, entry) for name, entry in PERSONAL_MODELS.items()},
)


class MeView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [WritesThrottle]

    @extend_schema(summary="Your account", responses=AccountSerializer)
    def get(self, request: Request) -> Response:
        return Response(AccountSerializer(request.user).data)

    @extend_schema(
        summary="Turn personalisation on or off",
        request=AccountSerializer,
        responses=AccountSerializer,
    )
    def patch(self, request: Request) -> Response:
        serializer = AccountSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "personalised" in serializer.validated_data:
            personalisation_set(
                user=cast("User", request.user),  # IsAuthenticated
                enabled=serializer.validated_data["personalised"],
            )
        return Response(AccountSerializer(request.user).data)

    @extend_schema(
        summary="Delete your account",
        description="Deletes the account and everything stored about you (every section of the "
        "export, and your cached lists, explanations and key phrases).",
        responses={204: None},
    )
    def delete(self, request: Request) -> Response:
        user = cast("User", request.user)  # IsAuthenticated
        logout(request)  # a browser session must not outlive its account
        personal_data_delete(user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeExportView(APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]  # a download, never the browsable HTML page

    @extend_schema(summary="Download all your data", responses=DataExportSerializer)
    def get(self, request: Request) -> Response:
        # Usernames may be any letters: RFC 6266 filename*= keeps a non-ASCII one intact.
        disposition = content_disposition_header(
            as_attachment=True, filename=f"recsite-data-{request.user.username}.json"
        )
        return Response(
            personal_data_export(user=cast("User", request.user)),  # IsAuthenticated
            headers={"Content-Disposition": disposition},
        )


# --- health ---------------------------------------------------------------------------------
# Each check returns its status word or raises. Later checks (e.g. an active model) are added to
# READINESS_CHECKS.


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def check_cache() -> str:
    key = HEALTH.key(probe=uuid4().hex)
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not return what was stored in it")
    cache.delete(key)
    return "ok"


def check_broker() -> str:
    url = celery_app.conf.broker_url
    if url.startswith("memory://"):
        return "eager"  # embedded default: tasks run inside the web process, no broker to reach
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


READINESS_CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
}
DOWN = "down"
HEALTH_STATUSES = ["ok", "unavailable"]


def run_checks(checks: Mapping[str, Callable[[], str]]) -> dict[str, str]:
    results = {}
    for name, check in checks.items():
        try:
            results[name] = check()
        except Exception:
            # Any failure means "not ready"; the details go to the log, not to anonymous callers.
            logger.warning("readiness check %r failed", name, exc_info=True)
            results[name] = DOWN
    return results


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=HEALTH_STATUSES)
    checks = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text='Per component: "ok", "eager" (no broker: tasks run in-process) or "down".',
    )


# Probes are anonymous, never throttled, and touch no session.
class HealthView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []


class LiveView(HealthView):
    @extend_schema(summary="Liveness: the process serves requests", responses=HealthSerializer)
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


class ReadyView(HealthView):
    @extend_schema(
        summary="Readiness: database, cache and broker are reachable",
        responses={200: HealthSerializer, 503: HealthSerializer},
    )
    def get(self, request: Request) -> Response:
        results = run_checks(READINESS_CHECKS)
        ready = DOWN not in results.values()
        return Response(
            {"status": "ok" if ready else "unavailable", "checks": results},
            status=status.HTTP_200_OK if ready else status.HTTP_503_SERVICE_UNAVAILABLE,
        )
