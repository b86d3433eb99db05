"""Recommended cards shown to readers, and which of them were opened: the dashboard's
click-through rates are measured from these rows."""

from django.utils import timezone

from ..models import RecommendationImpression


def impressions_record(
    *, user_id: int, surface: str, model_version_id: int | None, items: list[tuple], offset: int = 0
) -> list[RecommendationImpression]:
    """One row per shown card; ``items`` are (article id, explanation id or None) in page order,
    the page starting at list position ``offset``."""
    now = timezone.now()
    return RecommendationImpression.objects.bulk_create(
        RecommendationImpression(
            user_id=user_id,
            article_id=article_id,
            explanation_id=explanation_id,
            model_version_id=model_version_id,
            surface=surface,
            position=offset + rank,
            created_at=now,
        )
        for rank, (article_id, explanation_id) in enumerate(items)
    )


def impressions_record_later(*, user_id: int, surface: str, result, offset: int = 0) -> None:
    """Queue ``impressions_record`` for a page of ``ExplainedRecommendations``: the API's cached
    pages make no SQL query in the request (the worker writes the rows)."""
    items = [
        (item.article["id"], item.explanation["id"] if item.explanation else None)
        for item in result.items
    ]
    if not items:
        return
    # Imported here: recommender.tasks and receivers import the services, this one included.
    from ..receivers import dispatch_on_commit
    from ..tasks import record_impressions

    dispatch_on_commit(record_impressions, user_id, surface, result.model_version_id, items, offset)


def impression_click(*, user, impression_id: int, article_id: int) -> bool:
    """Mark the reader's own impression of ``article_id`` as clicked (the first click counts).
    Returns whether a row changed; someone else's or a mismatched impression changes nothing."""
    changed = RecommendationImpression.objects.filter(
        pk=impression_id, user_id=user.pk, article_id=article_id, clicked_at__isnull=True
    ).update(clicked_at=timezone.now())
    return changed == 1
