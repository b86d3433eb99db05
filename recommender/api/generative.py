"""``POST /api/recommend/``: recommendations that answer a request in words, for this reader.

The view only dispatches ``recommender.request_recommend`` to the ``inference`` queue and waits
for its result a bounded time (the text encoder and torch live in the worker, never in the web
process; recommender.explaining.requests answers, recommender.ml.request ranks). A
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
from ..models import Experiment
from ..privacy import LM_UNANSWERED
from ..ranking.experiments import reader_assignment
from .explanations import CachedExplanationField
from .serializers import CachedArticleField, DetailSerializer

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

NO_MODEL = "no article text embedded yet: nothing can match words"
NO_WORKER = "No inference worker answered in time; try again later."
# Holds the time until which requests are answered 503 at once (shared by all web processes).
UNANSWERED_UNTIL_KEY = LM_UNANSWERED.key()


class GenerativeRequestSerializer(serializers.Serializer):
    user_input = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        default="",
        help_text="What you would like to read, in words. Empty: your own list.",
    )
    top_n = serializers.IntegerField(min_value=1, max_value=20, default=5)


class GeneratedItemSerializer(serializers.Serializer):
    article = CachedArticleField()
    score = serializers.FloatField(
        help_text="Ranking score for this request (higher is better; comparable within one "
        "answer only)."
    )
    explanation = CachedExplanationField(
        help_text="Why it answers the request: the matched words of the request and, when "
        "true, an article you read that it is close to; vote on it at "
        "/api/explanations/{id}/feedback/."
    )


class GeneratedSerializer(serializers.Serializer):
    model_version = serializers.IntegerField(
        allow_null=True,
        help_text="The MF version whose scores took part (an experiment arm's LM version "
        "for a reader in a request experiment); null: none did.",
    )
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
        description="Published articles you have not read that answer your request in words, "
        "ranked for you (the text encoder finds what matches the words; your reading orders "
        "them), best first, each with an explanation that cites the request. Without words: "
        "your own list. 503 (with Retry-After) when no inference worker answers in time (then "
        "at once until Retry-After has passed); 503 without Retry-After when no article text "
        "is embedded yet. 429 (with Retry-After) beyond your rate of requests.",
    )
    def post(self, request: Request) -> Response:
        body = GenerativeRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = cast("User", request.user)  # IsAuthenticated
        assignment = reader_assignment(
            experiment=running_experiment(surface=Experiment.Surface.REQUEST), user_id=user.pk
        )
        arm = assignment.arm if assignment is not None else None
        try:
            answer = request_answer_wait(
                user_id=user.pk,
                **body.validated_data,
                # A reader in a request experiment gets their arm's LM (experiments compare
                # LM versions on this surface); everybody else the request path.
                version=None if arm is None else [arm.version_id, arm.artifact_path],
            )
        except RequestUnanswered as error:
            return _unavailable(
                error.detail, retry=error.retry_after is not None, retry_after=error.retry_after
            )
        return Response(
            {
                **answer,
                "experiment": assignment.experiment.id if assignment is not None else None,
                "arm": arm.label if arm is not None else None,
            }
        )


class RequestUnanswered(Exception):
    """No answer: ``detail`` says why; ``retry_after`` seconds when trying again may help."""

    def __init__(self, detail: str, retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.detail, self.retry_after = detail, retry_after


def request_answer_wait(
    *, user_id: int, user_input: str, top_n: int, version: list | None = None
) -> dict:
    """The answer to a request in words, from an inference worker within the deadline:
    {"model_version", "results": [{"article": article dict, "score", "explanation"}]}
    (published articles only). ``version`` [id, artifact path]: an experiment arm's LM answers
    instead (recommender.lm_recommend; no explanation). Raises RequestUnanswered. The API and
    the site's "Ask" page both wait through here, so both keep the short circuit."""
    unanswered_for = _unanswered_for()
    if unanswered_for is not None:
        raise RequestUnanswered(NO_WORKER, retry_after=unanswered_for)
    timeout = settings.RECSITE_LM_TIMEOUT_SECONDS
    try:
        # expires: a worker that comes back later drops the request instead of answering
        # nobody; retry=False: a dead broker fails now rather than after the request.
        kwargs: dict = {"user_id": user_id, "user_input": user_input, "top_n": top_n}
        task = tasks.request_recommend
        if version is not None:
            task, kwargs["version"] = tasks.lm_recommend, version
        result = task.apply_async(kwargs=kwargs, expires=timeout, retry=False)
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
        raise RequestUnanswered(
            NO_WORKER, retry_after=settings.RECSITE_LM_RETRY_AFTER_SECONDS
        ) from error
    if payload.get("detail"):
        raise RequestUnanswered(payload["detail"] if version is not None else NO_MODEL)
    ids = [item["article_id"] for item in payload["results"]]
    articles = lists.article_dicts(article_ids=ids)
    return {
        "model_version": payload["model_version"],
        "results": [
            {
                "article": articles[item["article_id"]],
                "score": item["score"],
                "explanation": item.get("explanation"),
            }
            for item in payload["results"]
            if item["article_id"] in articles
        ],
    }
