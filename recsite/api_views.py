"""Project-level API endpoints: token login, the caller's own account (export, deletion) and
health probes for load balancers and orchestrators."""

import logging
from collections.abc import Callable, Mapping
from uuid import uuid4

import redis
from django.contrib.auth import get_user_model, logout
from django.core.cache import cache
from django.db import connection
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from articles import selectors, services
from articles.api.throttles import LoginThrottle, WritesThrottle

from . import login_throttle
from .celery import app as celery_app

logger = logging.getLogger(__name__)

# --- token ----------------------------------------------------------------------------------


@extend_schema(
    summary="Get an API token",
    description="Send it back as `Authorization: Token <token>`. The same token is returned "
    "until the account is deleted.",
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

    def post(self, request, *args, **kwargs):
        # Checked before the password is hashed; the backend refuses the same back-off too.
        username = request.data.get("username") if hasattr(request.data, "get") else None
        wait = login_throttle.login_wait(request=request, username=str(username or ""))
        if wait is not None:
            raise Throttled(wait=wait, detail="Too many failed logins for this account.")
        return super().post(request, *args, **kwargs)


# --- me -------------------------------------------------------------------------------------


class AccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ["id", "username", "email", "date_joined"]
        read_only_fields = fields


class ExportedInteractionSerializer(serializers.Serializer):
    article_id = serializers.IntegerField()
    article_title = serializers.CharField()
    event = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    dwell_seconds = serializers.IntegerField(allow_null=True)
    source = serializers.CharField()
    created_at = serializers.DateTimeField()


class ExportedSearchSerializer(serializers.Serializer):
    text = serializers.CharField()
    results_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class DataExportSerializer(serializers.Serializer):
    """The shape of articles.selectors.user_data_export, for the schema."""

    account = inline_serializer(
        "ExportedAccount",
        {
            "username": serializers.CharField(),
            "email": serializers.CharField(),
            "date_joined": serializers.DateTimeField(),
            "last_login": serializers.DateTimeField(allow_null=True),
        },
    )
    interactions = ExportedInteractionSerializer(many=True)
    searches = ExportedSearchSerializer(many=True)


class MeView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [WritesThrottle]

    @extend_schema(summary="Your account", responses=AccountSerializer)
    def get(self, request):
        return Response(AccountSerializer(request.user).data)

    @extend_schema(
        summary="Delete your account",
        description="Deletes the account and all its behaviour (interactions, searches, token).",
        responses={204: None},
    )
    def delete(self, request):
        user = request.user
        logout(request)  # a browser session must not outlive its account
        services.user_delete(user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeExportView(APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]  # a download, never the browsable HTML page

    @extend_schema(summary="Download all your data", responses=DataExportSerializer)
    def get(self, request):
        filename = f"recsite-data-{request.user.username}.json"
        return Response(
            selectors.user_data_export(user=request.user),
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )


# --- health ---------------------------------------------------------------------------------
# Each check returns its status word or raises. Later checks (e.g. an active model) are added to
# READINESS_CHECKS.


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def check_cache() -> str:
    key = f"health:{uuid4().hex}"
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
    def get(self, request):
        return Response({"status": "ok"})


class ReadyView(HealthView):
    @extend_schema(
        summary="Readiness: database, cache and broker are reachable",
        responses={200: HealthSerializer, 503: HealthSerializer},
    )
    def get(self, request):
        results = run_checks(READINESS_CHECKS)
        ready = DOWN not in results.values()
        return Response(
            {"status": "ok" if ready else "unavailable", "checks": results},
            status=status.HTTP_200_OK if ready else status.HTTP_503_SERVICE_UNAVAILABLE,
        )
