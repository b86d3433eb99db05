"""What the hardening tests share about the API: its operations (from the OpenAPI schema,
generated in-process), a small world of objects owned by reader A, and how to address them."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from articles.models import Article, Interaction
from recommender.models import Explanation, ModelVersion
from tests.factories import ArticleFactory, SearchQueryFactory, TopicFactory

# "staff" has the staff flag and no permission at all: refused whatever needs one.
ROLES = ("anonymous", "reader_a", "reader_b", "editor", "staff")
# Values that occur only in reader A's private data: a response showing one leaks it.
A_EMAIL = "alice.private@example.org"
A_SEARCH = "alice-private-search-text"
A_DWELL = 424_242


@dataclass
class World:
    users: dict[str, Any]
    article: Article
    topic_slug: str
    model_version: ModelVersion
    explanation: Explanation  # reader A's


# Path parameters: objects of reader A where the operation has an owner.
PATH_PARAMS: dict[str, Callable[[World], dict]] = {
    "/api/articles/{id}/": lambda w: {"id": w.article.pk},
    "/api/articles/{id}/similar/": lambda w: {"id": w.article.pk},
    "/api/explanations/{id}/feedback/": lambda w: {"id": w.explanation.pk},
    "/api/model-versions/{id}/": lambda w: {"id": w.model_version.pk},
    "/api/model-versions/{id}/activate/": lambda w: {"id": w.model_version.pk},
    # A task id nobody asked for reads as queued: there is nothing in it to leak.
    "/api/model-versions/retrain/{task_id}/": lambda w: {
        "task_id": "00000000-0000-4000-8000-000000000000"
    },
    "/api/topics/{slug}/": lambda w: {"slug": w.topic_slug},
    "/api/topics/{slug}/follow/": lambda w: {"slug": w.topic_slug},
}


def schema_operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    ]


OPERATIONS = schema_operations()


def world_build(*, reader, other_reader, editor, staff) -> World:
    topic = TopicFactory(slug="space")
    article = ArticleFactory(topics=[topic])
    reader.email = A_EMAIL
    reader.save()
    Interaction.objects.create(user=reader, article=article, event="read", dwell_seconds=A_DWELL)
    SearchQueryFactory(user=reader, text=A_SEARCH)
    version = ModelVersion.objects.create(
        kind=ModelVersion.Kind.MF,
        status=ModelVersion.Status.READY,
        metrics={"ndcg@10": 0.1},
        artifact_path="mf/v-does-not-matter",
    )
    explanation = Explanation.objects.create(
        user=reader,
        article=article,
        style=Explanation.Style.TRENDING,
        text=f"Trending with readers like {A_SEARCH}",
    )
    users = {"reader_a": reader, "reader_b": other_reader, "editor": editor, "staff": staff}
    return World(
        users=users,
        article=article,
        topic_slug=topic.slug,
        model_version=version,
        explanation=explanation,
    )


def client_as(world: World, role: str) -> APIClient:
    client = APIClient()
    if role != "anonymous":
        client.force_authenticate(world.users[role])
    return client


def url_of(world: World, path: str) -> str:
    if "{" not in path:
        return path
    assert path in PATH_PARAMS, f"give the path parameters of {path} in PATH_PARAMS"
    return path.format(**PATH_PARAMS[path](world))
