"""``POST /api/recommend/``: generative recommendations from the causal LM.

The view only dispatches ``recommender.lm_recommend`` to the ``inference`` queue and waits for
its result a bounded time (the LM and torch live in the worker, never in the web process). A
missing answer -- no worker, a dead broker or result backend -- is a 503 with ``Retry-After``,
never a hanging request; in the embedded default the task runs in-process. After a missing
answer the endpoint answers 503 at once, without dispatching, until its Retry-After has passed
(a short circuit): a dead inference worker costs one web worker one short deadline, not every
request its deadline.
"""

import logging
import math
import time
from typing import TYPE_CHECKING, cast

from celery.exceptions import TimeoutError as ResultTimeout
from django.conf import settings
from django.core.cache import cache
from drf_spectacular.utils import OpenApiResponse, extend_schema
from kombu.exceptions import OperationalError as BrokerUnavailable
from redis.exceptions import RedisError
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from articles.api.throttles import RecommendThrottle

from .. import tasks
from ..cache import lists
from ..cache.experiments import running_experiment
from ..models import Experiment, ModelVersion
from ..privacy import LM_UNANSWERED
from ..ranking.experiments import reader_assignment
from .serializers import CachedArticleField, DetailSerializer

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

NO_MODEL = "no language model trained yet"
NO_WORKER = "No inference worker answered in time; try again later."
# Holds the time until which requests are answered 503 at once (shared by all web processes).
UNANSWERED_UNTIL_KEY = LM_UNANSWERED.key()


class GenerativeRequestSerializer(serializers.Serializer):
    user_input = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        default="",
        help_text="Free text or titles (one per line). Empty: your reading history is the prompt.",
    )
    top_n = serializers.IntegerField(min_value=1, max_value=20, default=5)


class GeneratedItemSerializer(serializers.Serializer):
    article = CachedArticleField()
    score = serializers.FloatField(
        help_text="Log-likelihood of the article's title given the prompt (<= 0, higher is better)."
    )


class GeneratedSerializer(serializers.Serializer):
    model_version = serializers.IntegerField()
    experiment = serializers.IntegerField(
        allow_null=True,
        help_text="The id of the online experiment you are in on requests, null when none.",
    )
    arm = serializers.CharField(
        allow_null=True, help_text="Your arm's label in that experiment, null when none."
    )
    results = GeneratedItemSerializer(many=True)


def _unavailable(detail: str, *, retry: bool, retry_after: int | None = None) -> Response:
    response = Response({"detail": detail}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    if retry:
        response["Retry-After"] = str(retry_after or settings.RECSITE_LM_RETRY_AFTER_SECONDS)
    return response


def _unanswered_for() -> int | None:
    """Whole seconds the short circuit still holds, or None when requests may be dispatched."""
    remaining = (cache.get(UNANSWERED_UNTIL_KEY) or 0) - time.time()
    return math.ceil(remaining) if remaining > 0 else None


def _unanswered_record() -> None:
    pause = settings.RECSITE_LM_RETRY_AFTER_SECONDS
    cache.set(UNANSWERED_UNTIL_KEY, time.time() + pause, timeout=pause + 1)


class GenerativeRecommendView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [RecommendThrottle]

    @extend_schema(
        operation_id="recommend_generate",
        request=GenerativeRequestSerializer,
        responses={
            200: GeneratedSerializer,
            # Field messages, e.g. {"top_n": [...]}: not a {"detail"} body (found by the fuzzer).
            400: OpenApiResponse(description="Bad user_input or top_n, with field messages."),
            429: DetailSerializer,
            503: DetailSerializer,
        },
        description="Articles the language model generates after your free text or, without "
        "it, after your reading history: real, published articles you have not read, best "
        "first. 503 (with Retry-After) when no inference worker answers in time (then at once "
        "until Retry-After has passed), or when no language model has been trained yet. 429 "
        "(with Retry-After) beyond your rate of requests.",
    )
    def post(self, request: Request) -> Response:
        body = GenerativeRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if lists.active_version(kind=ModelVersion.Kind.LM) is None:
            return _unavailable(NO_MODEL, retry=False)
        unanswered_for = _unanswered_for()
        if unanswered_for is not None:
            return _unavailable(NO_WORKER, retry=True, retry_after=unanswered_for)
        timeout = settings.RECSITE_LM_TIMEOUT_SECONDS
        user = cast("User", request.user)  # IsAuthenticated
        assignment = reader_assignment(
            experiment=running_experiment(surface=Experiment.Surface.REQUEST), user_id=user.pk
        )
        arm = assignment.arm if assignment is not None else None
        kwargs = {"user_id": user.pk, **body.validated_data}
        if arm is not None:  # the reader's arm's LM instead of the active one
            kwargs["version"] = [arm.version_id, arm.artifact_path]
        try:
            # expires: a worker that comes back later drops the request instead of answering
            # nobody; retry=False: a dead broker fails now rather than after the request.
            result = tasks.lm_recommend.apply_async(
                kwargs=kwargs,
                expires=timeout,
                retry=False,
            )
            payload = result.get(timeout=timeout)
        # RuntimeError: Celery's Redis result consumer gave up reconnecting (Redis is down).
        except (
            ResultTimeout,
            BrokerUnavailable,
            RedisError,
            ConnectionError,
            RuntimeError,
        ) as error:
            logger.warning("Generative recommendation unanswered: %r", error)
            if isinstance(error, ResultTimeout):
                # get() registered the result with the backend (held, and subscribed to its
                # channel, until an answer that may never come): stop waiting for it now.
                result.backend.remove_pending_result(result)
            _unanswered_record()
            return _unavailable(NO_WORKER, retry=True)
        if payload["model_version"] is None:
            return _unavailable(NO_MODEL, retry=False)
        ids = [item["article_id"] for item in payload["results"]]
        articles = lists.article_dicts(article_ids=ids)
        return Response(
            {
                "model_version": payload["model_version"],
                "experiment": assignment.experiment.id if assignment is not None else None,
                "arm": arm.label if arm is not None else None,
                "results": [
                    {"article": articles[item["article_id"]], "score": item["score"]}
                    for item in payload["results"]
                    if item["article_id"] in articles
                ],
            }
        )
