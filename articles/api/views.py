"""Views of the articles API: thin wrappers that read through articles.selectors and write through
articles.services."""

from typing import TYPE_CHECKING, Any, cast

from django.http import Http404
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import (
    AllowAny,
    DjangoModelPermissionsOrAnonReadOnly,
    IsAuthenticated,
)
from rest_framework.request import Request
from rest_framework.response import Response

from .. import selectors, services
from ..models import Interaction
from ..validation import id_parse
from .filters import ArticleFilter, InteractionFilter
from .pagination import Pagination

if TYPE_CHECKING:
    from django.contrib.auth.models import User
from .parsers import BoundedJSONParser
from .serializers import (
    ArticleInputSerializer,
    ArticleSerializer,
    InteractionInputSerializer,
    InteractionSerializer,
    TopicFollowSerializer,
    TopicListSerializer,
)
from .throttles import SearchThrottle, WritesThrottle


@extend_schema_view(
    list=extend_schema(
        summary="List articles",
        description="Published articles for everybody; editors see every status. Searches "
        "(`q`) by signed-in users are recorded as their behaviour.",
    ),
    retrieve=extend_schema(summary="An article"),
    create=extend_schema(
        summary="Create an article (editors)",
        request=ArticleInputSerializer,
        responses={201: ArticleSerializer},
    ),
    update=extend_schema(
        summary="Replace an article (editors)",
        request=ArticleInputSerializer,
        responses=ArticleSerializer,
    ),
    partial_update=extend_schema(
        summary="Change some fields of an article (editors)",
        request=ArticleInputSerializer,
        responses=ArticleSerializer,
    ),
    destroy=extend_schema(summary="Delete an article (editors)"),
)
class ArticleViewSet(viewsets.ModelViewSet):
    serializer_class = ArticleSerializer
    filterset_class = ArticleFilter
    pagination_class = Pagination
    # Reading is public; add/change/delete need the Editors group's model permissions.
    permission_classes = [DjangoModelPermissionsOrAnonReadOnly]
    throttle_classes = [WritesThrottle, SearchThrottle]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return selectors.articles_visible_to(self.request.user)

    def get_object(self):
        # The route admits ASCII digits only, but of any length.
        pk = id_parse(self.kwargs["pk"])
        if pk is None:
            raise Http404("No such article.")
        article = selectors.article_get_for_reader(user=self.request.user, pk=pk)
        self.check_object_permissions(self.request, article)
        return article

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        text = request.query_params.get("q", "").strip()
        # Searches are behaviour (DESIGN §3); a later page of the same search is not a new one.
        if text and request.user.is_authenticated and request.query_params.get("page", "1") == "1":
            services.search_record(
                user=request.user, text=text, results_count=response.data["count"]
            )
        return response

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        editor = cast("User", request.user)  # model permissions: a signed-in editor
        article = services.article_create(author=editor, **self._input(request))
        return Response(self._output(article), status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        article = self.get_object()
        data = self._input(request, partial=kwargs.get("partial", False))
        article = services.article_update(article=article, **data)
        return Response(self._output(article))

    def perform_destroy(self, instance):
        services.article_delete(article=instance)

    def _input(self, request, partial=False) -> dict:
        serializer = ArticleInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _output(self, article) -> dict:
        # Re-read so that topics are not served from a prefetch taken before the write.
        article = selectors.article_get_for_reader(user=self.request.user, pk=article.pk)
        return self.get_serializer(article).data


@extend_schema_view(
    list=extend_schema(summary="List topics", description="With their published article counts."),
    retrieve=extend_schema(summary="A topic"),
)
class TopicViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TopicListSerializer
    permission_classes = [AllowAny]
    pagination_class = Pagination
    lookup_field = "slug"
    # Topic slugs are ASCII (SlugField): anything else, NUL included, is a 404 from the router
    # before it reaches the database.
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def get_queryset(self):
        return selectors.topics_with_counts()

    @extend_schema(
        summary="Topics you follow",
        description="Their articles rank higher in your recommendations. By name.",
        responses=TopicListSerializer(many=True),
    )
    @action(
        detail=False, methods=["get"], permission_classes=[IsAuthenticated], pagination_class=None
    )
    def followed(self, request: Request) -> Response:
        topics = self.get_queryset().filter(follows__user=request.user)
        return Response(TopicListSerializer(topics, many=True).data)

    @extend_schema(
        methods=["POST"],
        summary="Follow a topic",
        description="Idempotent. Its articles rank higher in your list from your next request "
        'on, and an explanation may say so ("On Space, a topic you follow").',
        request=None,
        responses=TopicFollowSerializer,
    )
    @extend_schema(
        methods=["DELETE"],
        summary="Stop following a topic",
        description="Idempotent.",
        request=None,
        responses=TopicFollowSerializer,
    )
    @action(
        detail=True,
        methods=["post", "delete"],
        permission_classes=[IsAuthenticated],
        throttle_classes=[WritesThrottle],
    )
    def follow(self, request: Request, slug: str | None = None) -> Response:
        topic = selectors.topic_get(slug=slug or "")
        user = cast("User", request.user)
        if request.method == "POST":
            services.topic_follow(user=user, topic=topic)
        else:
            services.topic_unfollow(user=user, topic=topic)
        return Response({"slug": topic.slug, "following": request.method == "POST"})


INTERACTIONS_IN = PolymorphicProxySerializer(
    component_name="InteractionOneOrBatch",
    serializers=[InteractionInputSerializer, InteractionInputSerializer(many=True)],
    resource_type_field_name=None,
    many=False,
)
INTERACTIONS_OUT = PolymorphicProxySerializer(
    component_name="InteractionOneOrBatchCreated",
    serializers=[InteractionSerializer, InteractionSerializer(many=True)],
    resource_type_field_name=None,
    many=False,
)


@extend_schema_view(
    list=extend_schema(summary="List your own interactions", description="Newest first."),
    create=extend_schema(
        summary="Record your behaviour",
        description="One interaction, or a list of up to 1,000 recorded all or nothing, always "
        "for the authenticated user. Errors of a list are keyed by the item's index.",
        request=INTERACTIONS_IN,
        responses={201: INTERACTIONS_OUT},
    ),
)
class InteractionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = InteractionSerializer
    filterset_class = InteractionFilter
    pagination_class = Pagination
    parser_classes = [BoundedJSONParser]  # a batch is a JSON list; forms cannot express one
    permission_classes = [IsAuthenticated]
    throttle_classes = [WritesThrottle]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Interaction.objects.none()
        user = cast("User", self.request.user)  # IsAuthenticated
        return selectors.interactions_of(user=user)

    def create(self, request: Request) -> Response:
        many = isinstance(request.data, list)
        serializer = InteractionInputSerializer(data=request.data, many=many)
        serializer.is_valid(raise_exception=True)
        rows = serializer.validated_data if many else [serializer.validated_data]
        created = services.interactions_record(
            user=cast("User", request.user),  # IsAuthenticated
            items=[services.InteractionInput(**row) for row in rows],
            source=Interaction.Source.API,
        )
        output = InteractionSerializer(created, many=True).data
        return Response(output if many else output[0], status=status.HTTP_201_CREATED)
