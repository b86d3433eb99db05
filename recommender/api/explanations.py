"""Explanations in API responses, and readers' thumbs on them."""

from typing import TYPE_CHECKING, cast

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from articles.api.throttles import WritesThrottle
from articles.models import Interaction

from ..explaining.feedback import explanation_feedback_submit, explanation_get_for_user
from ..explaining.wording import sentence_in_language
from ..models import Explanation, ExplanationFeedback

if TYPE_CHECKING:
    from django.contrib.auth.models import User

VOTE_NAMES = {1: "up", -1: "down"}


class ExplanationSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Send thumbs to /api/explanations/{id}/feedback/.")
    text = serializers.CharField(help_text="The sentence, in English, as it was first made.")
    display_text = serializers.CharField(
        help_text="The same sentence rendered from the evidence in the request's language "
        "(Accept-Language; English or Simplified Chinese)."
    )
    # A declared field (the metaclass takes it off the class), not Field.style.
    style = serializers.ChoiceField(choices=Explanation.Style.choices)  # type: ignore[assignment]
    evidence = serializers.JSONField(
        help_text="What the sentence states, e.g. cited article ids from your history, the "
        "topic, counts."
    )


@extend_schema_field(ExplanationSerializer(allow_null=True))
class CachedExplanationField(serializers.Field):
    """An explanation dict as recommender.explaining.explanations cached it, passed through (the
    response is built from the cache; ExplanationSerializer describes it in the schema)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: dict | None) -> dict | None:
        if value is None:
            return None
        return {
            "id": value["id"],
            "text": value["text"],
            "display_text": sentence_in_language(value),
            "style": value["style"],
            "evidence": value["evidence"],
        }


class FeedbackInputSerializer(serializers.Serializer):
    vote = serializers.ChoiceField(choices=list(VOTE_NAMES.values()))
    reason = serializers.ChoiceField(
        choices=ExplanationFeedback.Reason.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why: helpful (up); wrong_reason, not_relevant, already_read (down); other.",
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, trim_whitespace=True
    )


class FeedbackSerializer(serializers.ModelSerializer):
    vote = serializers.SerializerMethodField()

    class Meta:
        model = ExplanationFeedback
        fields = ["id", "explanation", "vote", "reason", "comment", "created_at", "updated_at"]
        read_only_fields = fields

    def get_vote(self, feedback) -> str:
        return VOTE_NAMES[feedback.vote]


class ExplanationFeedbackView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [WritesThrottle]

    @extend_schema(
        operation_id="explanation_feedback",
        request=FeedbackInputSerializer,
        responses={
            201: FeedbackSerializer,
            200: FeedbackSerializer,
            400: OpenApiResponse(description="Bad vote, reason or comment."),
            404: OpenApiResponse(description="No explanation of yours has this id."),
        },
        description="Thumbs up or down on an explanation you were shown (201 for a first vote, "
        "200 when it replaces your earlier one). not_relevant also records a dislike of the "
        "article (it leaves your list at once), already_read records a read, wrong_reason makes "
        "that evidence count less in your future explanations.",
    )
    def post(self, request: Request, pk: int) -> Response:
        user = cast("User", request.user)  # IsAuthenticated
        explanation = explanation_get_for_user(user=user, pk=pk)
        body = FeedbackInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        feedback, created = explanation_feedback_submit(
            user=user,
            explanation=explanation,
            source=Interaction.Source.API,
            **body.validated_data,
        )
        return Response(
            FeedbackSerializer(feedback).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
