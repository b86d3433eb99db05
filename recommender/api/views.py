"""Recommendations for the signed-in reader, and the model registry for staff."""

from typing import TYPE_CHECKING, cast

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from articles.api.throttles import WritesThrottle

from .. import selectors
from ..cache.pages import cached_page, cached_page_store
from ..dispatch import RETRAIN, task_dispatch
from ..explaining.explanations import recommendations_with_explanations
from ..training.mf import RetrainState, retrain_running, retrain_state
from ..training.registry import model_version_activate, model_version_rollback
from .permissions import ModelVersionPermissions
from .serializers import (
    DetailSerializer,
    ModelVersionSerializer,
    RecommendationQuerySerializer,
    RecommendationsSerializer,
    RetrainStatusSerializer,
    RollbackSerializer,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

JSON = "application/json"


class RecommendationsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="recommendations_list",
        parameters=[RecommendationQuerySerializer],
        responses={200: RecommendationsSerializer},
        description="The signed-in reader's recommendations, best first. Readers without "
        "history get trending and new articles (strategy `cold_start`), readers who turned "
        "personalisation off the same, their behaviour unused (strategy `non_personal`).",
    )
    def get(self, request: Request) -> HttpResponse:
        # Rendered JSON pages are cached (recommender.cache.pages); the browsable API's
        # HTML is not.
        user = cast("User", request.user)  # IsAuthenticated
        body, slot = None, None
        if request.accepted_renderer.format == "json":
            body, slot = cached_page(user_id=user.pk, params=request.query_params)
        if body is not None:
            return HttpResponse(body, content_type=JSON)
        query = RecommendationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        # No impressions are recorded here: API clients have no way to report which card was
        # opened, so their impressions would only drag the dashboard's click-through rate to 0.
        result = recommendations_with_explanations(user=user, **query.validated_data)
        data = RecommendationsSerializer(result).data
        if slot is None:
            return Response(data)
        body = JSONRenderer().render(data)
        cached_page_store(slot=slot, body=body)
        return HttpResponse(body, content_type=JSON)


class ModelVersionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Model versions with their validation metrics, for accounts with the model permissions
    the admin checks (the Editors group has them)."""

    permission_classes = [ModelVersionPermissions]
    serializer_class = ModelVersionSerializer
    throttle_classes = [WritesThrottle]

    def get_queryset(self):
        return selectors.model_versions()

    @extend_schema(
        request=None,
        responses={202: RetrainStatusSerializer, 409: DetailSerializer},
        description="Request a retraining of the MF model (on the `ml` queue); the answer says "
        "where it stands and where to follow it (`status_url`).",
    )
    @action(detail=False, methods=["post"])
    def retrain(self, request: Request) -> Response:
        if retrain_running():
            return Response(
                {"detail": _("A retraining is already running.")},
                status=status.HTTP_409_CONFLICT,
            )
        # Through the outbox: with the broker down the retraining is queued once it is back.
        # Where tasks run in-process it may already have finished: the state is read, not assumed.
        task_id = task_dispatch(RETRAIN)
        return Response(
            _retrain_status(request, task_id, retrain_state(task_id=task_id)),
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(
        request=None,
        responses={200: RetrainStatusSerializer},
        description="Where a requested retraining stands: queued, running, or finished with "
        "the version it trained (active, ready or failed).",
    )
    @action(detail=False, methods=["get"], url_path=r"retrain/(?P<task_id>[0-9a-f-]{36})")
    def retrain_status(self, request: Request, task_id: str) -> Response:
        return Response(_retrain_status(request, task_id, retrain_state(task_id=task_id)))

    @extend_schema(
        request=None,
        responses={200: ModelVersionSerializer, 400: OpenApiResponse(description="Not ready.")},
        description="Serve this (ready) version from now on.",
    )
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk=None) -> Response:
        version = model_version_activate(
            version=self.get_object(), note=f"Activated by {request.user.username} (API)."
        )
        return Response(ModelVersionSerializer(version).data)

    @extend_schema(
        request=RollbackSerializer,
        responses={
            200: ModelVersionSerializer,
            400: OpenApiResponse(description="Nothing to roll back to."),
        },
        description="Serve again the version that was active before the current one.",
    )
    @action(detail=False, methods=["post"])
    def rollback(self, request: Request) -> Response:
        body = RollbackSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = model_version_rollback(kind=body.validated_data["kind"])
        return Response(ModelVersionSerializer(version).data)


def _retrain_status(request: Request, task_id: str, state: RetrainState) -> dict:
    version = state.version
    if state.state == "finished":
        detail = _("Retraining finished: %(version)s.") % {"version": version or "?"}
    elif state.state == "running":
        detail = _("Retraining running.")
    else:
        detail = _("Retraining queued.")
    url = reverse("model-version-retrain-status", kwargs={"task_id": task_id})
    return {
        "task_id": task_id,
        "state": state.state,
        "detail": detail,
        "status_url": request.build_absolute_uri(url),
        "version": ModelVersionSerializer(version).data if version is not None else None,
    }
