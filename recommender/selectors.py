"""Reads for the recommendation domain: the model registry and the behaviour models learn from."""

from collections.abc import Iterator
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from articles.models import Article, Interaction, Topic

from .models import EditorialBoost, Experiment, ExperimentArm, ModelVersion, PersonalisationSetting

# (user_id, article_id, event, value, unix seconds): recommender.ml.data's row format.
InteractionRow = tuple[int, int, str, float | None, float]


def model_versions(*, kind: str | None = None) -> QuerySet[ModelVersion]:
    queryset = ModelVersion.objects.all()
    if kind is not None:
        queryset = queryset.filter(kind=kind)
    return queryset.order_by("-created_at", "-id")


def model_version_active_ref(*, kind: str) -> tuple[int, str] | None:
    """(id, artifact path) of the active version of ``kind``."""
    return (
        ModelVersion.objects.filter(kind=kind, status=ModelVersion.Status.ACTIVE)
        .values_list("pk", "artifact_path")
        .first()
    )


def experiment_running_ref(*, surface: str) -> tuple | None:
    """The experiment running on ``surface`` as plain data: (id, method, traffic share, arms),
    each arm (id, label, style, version id, version kind, MF base id, MF base artifact path,
    artifact path); a hybrid arm's MF base is the version it was trained over, an MF arm's is
    itself; version fields are None for style arms."""
    experiment = (
        Experiment.objects.filter(surface=surface, state=Experiment.State.RUNNING)
        .values_list("pk", "method", "traffic_share")
        .first()
    )
    if experiment is None:
        return None
    arms = list(
        ExperimentArm.objects.filter(experiment_id=experiment[0])
        .select_related("model_version")
        .order_by("pk")
    )
    bases = {
        arm.model_version.params.get("mf_version")
        for arm in arms
        if arm.model_version is not None and arm.model_version.kind == ModelVersion.Kind.HYBRID
    }
    base_paths = dict(ModelVersion.objects.filter(pk__in=bases).values_list("pk", "artifact_path"))
    refs: list[tuple] = []
    for arm in arms:
        version = arm.model_version
        if version is None:
            refs.append((arm.pk, arm.label, arm.style, None, None, None, None, None))
            continue
        base_id = version.params.get("mf_version") if version.kind == "hybrid" else version.pk
        base_path = (
            base_paths.get(base_id, "") if version.kind == "hybrid" else version.artifact_path
        )
        refs.append(
            (
                arm.pk,
                arm.label,
                arm.style,
                version.pk,
                version.kind,
                base_id,
                base_path,
                version.artifact_path,
            )
        )
    return (*experiment, tuple(refs))


def pinned_version_ids() -> set[int]:
    """Versions a running experiment serves (its arms, and the MF bases of its hybrid arms):
    automatic activation never replaces them and pruning never deletes them."""
    arms = ModelVersion.objects.filter(
        experiment_arms__experiment__state=Experiment.State.RUNNING
    ).values_list("pk", "kind", "params")
    pinned = set()
    for pk, kind, params in arms:
        pinned.add(pk)
        if kind == ModelVersion.Kind.HYBRID and params.get("mf_version") is not None:
            pinned.add(int(params["mf_version"]))
    return pinned


def training_rows() -> Iterator[InteractionRow]:
    """Every interaction of an active user with a published article (the training data), but
    those of readers who turned personalisation off (recommender.ranking.personalisation); in
    the order they were recorded, which breaks ties of time in the LM's reading orders.
    Streamed from a server-side cursor: at 20M interactions a list of rows would take GBs."""
    rows = (
        Interaction.objects.filter(user__is_active=True, article__status=Article.Status.PUBLISHED)
        .exclude(user__personalisation__enabled=False)
        .order_by("pk")
        .values_list("user_id", "article_id", "event", "value", "created_at")
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # A server-side cursor makes PostgreSQL plan for the first 10 % of the rows (index
            # scans in the model's order, nested loops); every row is read, so plan for all:
            # 1.7 s instead of 190 s on 200k interactions (docs/scaling.md, the scale run).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        for user_id, article_id, event, value, created_at in rows.iterator(chunk_size=10_000):
            yield (user_id, article_id, event, value, created_at.timestamp())


def published_article_ids() -> list[int]:
    """The catalogue a model is trained over, in a stable order."""
    return list(
        Article.objects.filter(status=Article.Status.PUBLISHED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def interaction_events_of(*, user_id: int) -> list[tuple[int, str, float | None]]:
    """(article_id, event, value) of everything ``user_id`` did, for fold-in and the seen-rule."""
    return list(
        Interaction.objects.filter(user_id=user_id).values_list("article_id", "event", "value")
    )


def active_reader_ids(*, days: int) -> list[int]:
    """Active accounts that interacted in the last ``days`` days: whose lists are kept warm."""
    since = timezone.now() - timedelta(days=days)
    return list(
        get_user_model()
        .objects.filter(is_active=True, interactions__created_at__gte=since)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )


def active_user(*, user_id: int):
    """The active account ``user_id``, or None (deleted or deactivated since)."""
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


def active_user_ids_among(*, user_ids: list[int]) -> list[int]:
    return list(
        get_user_model()
        .objects.filter(pk__in=user_ids, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def topic_slugs() -> set[str]:
    return set(Topic.objects.values_list("slug", flat=True))


def editorial_boosts_not_ended(*, now: datetime) -> QuerySet[EditorialBoost]:
    """Editorial boosts that have not ended by ``now`` (current and scheduled), newest start
    first, with their topic."""
    return (
        EditorialBoost.objects.filter(ends_at__gt=now)
        .select_related("topic")
        .order_by("-starts_at", "-id")
    )


def opted_out_user_ids() -> set[int]:
    """Readers who turned personalisation off: left out of every model's training data."""
    return set(
        PersonalisationSetting.objects.filter(enabled=False).values_list("user_id", flat=True)
    )
