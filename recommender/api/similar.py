"""``GET /api/articles/{id}/similar/``: "more like this" for anyone, published articles only."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from articles.api.fields import QueryIntegerField
from articles.selectors import articles_published

from ..ranking.content import similar_articles
from .serializers import CachedArticleField


class SimilarQuerySerializer(serializers.Serializer):
    n = QueryIntegerField(min_value=1, max_value=50, default=10)


class SimilarArticleSerializer(serializers.Serializer):
    article = CachedArticleField()
    score = serializers.FloatField(
        help_text="Blend of text similarity, co-reading and topic agreement."
    )
    text_score = serializers.FloatField(
        allow_null=True, help_text="Cosine of the two articles' text embeddings."
    )
    coread_score = serializers.FloatField(
        allow_null=True,
        help_text="Co-reading: cosine of the MF item factors, or of the two readerships.",
    )
    topic_score = serializers.FloatField(
        help_text="Topic agreement: shared topics over all topics of the two articles (0 to 1)."
    )


class SimilarArticlesSerializer(serializers.Serializer):
    article = serializers.IntegerField(help_text="The id the neighbours are similar to.")
    results = SimilarArticleSerializer(many=True)


class SimilarArticlesView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="articles_similar",
        parameters=[SimilarQuerySerializer],
        responses={200: SimilarArticlesSerializer},
        description="Published articles like this one, best first, never itself: text "
        "similarity blended with co-reading, agreeing topics adding a bonus. 404 unless the "
        "article is published.",
    )
    def get(self, request: Request, pk: int) -> Response:
        query = SimilarQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if not articles_published().filter(pk=pk).exists():
            raise Http404("No such article.")
        results = similar_articles(article_id=pk, n=query.validated_data["n"])
        return Response(SimilarArticlesSerializer({"article": pk, "results": results}).data)
