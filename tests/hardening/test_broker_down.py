"""Broker down: behaviour is still saved (the database is the source of truth), the refreshes it
requests wait in the outbox instead of failing the request, and run once the relay finds the
broker back. (test_redis_outage.py stops a real Redis used as cache, broker and result backend.)"""

import logging
import time

import pytest

from articles.models import Interaction
from recommender.cache import lists
from recommender.models import Explanation, ExplanationFeedback, OutboxMessage
from recommender.tasks import relay_outbox
from recsite.celery import app as celery_app


def _list_of(reader, version_id):
    return lists.reader_list_get(version_id=version_id, user_id=reader.pk)


@pytest.mark.django_db(transaction=True)  # on_commit dispatches run inside the request
def test_writes_are_saved_and_the_refresh_catches_up_later(
    dead_broker, mf_version, clusters, client, client_for, caplog
):
    # given: a reader with a cached list, and an explanation they were shown
    reader = clusters.readers[0]
    client.force_login(reader)
    client.get("/")
    assert _list_of(reader, mf_version.pk) is not None
    explanation = Explanation.objects.create(
        user=reader, article=clusters.a[-2], style=Explanation.Style.TRENDING, text="Trending"
    )
    before = Interaction.objects.filter(user=reader).count()

    # when: they act, through the API and the site, while the broker is unreachable
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="recommender.outbox"):
        api = client_for(reader).post(
            "/api/interactions/", {"article": clusters.a[-1].pk, "event": "like"}, format="json"
        )
        site = client.post(f"/articles/{clusters.b[0].slug}/bookmark/")
        # "not relevant" also records a dislike, which dispatches a refresh too
        vote = client_for(reader).post(
            f"/api/explanations/{explanation.pk}/feedback/",
            {"vote": "down", "reason": "not_relevant"},
            format="json",
        )
    elapsed = time.monotonic() - started

    # then: all acknowledged and saved, quickly, with their refreshes kept in the outbox; the
    # first failed publish is logged, and the process leaves the next ones to the relay
    assert (api.status_code, site.status_code, vote.status_code) == (201, 302, 201)
    assert Interaction.objects.filter(user=reader).count() == before + 3
    assert ExplanationFeedback.objects.filter(user=reader, explanation=explanation).count() == 1
    assert elapsed < 3
    pending = OutboxMessage.objects.filter(sent_at=None)
    assert (
        list(pending.values_list("task", "args"))
        == [("recommender.refresh_user_lists", [[reader.pk]])] * 3
    )
    warnings = [r for r in caplog.records if "left pending" in r.getMessage()]
    assert len(warnings) == 1
    # the stale list is gone, so the next page view recomputes it from the database
    assert _list_of(reader, mf_version.pk) is None

    # when: the broker is back and the periodic relay runs (eagerly here)
    celery_app.conf.task_always_eager = True
    relayed = relay_outbox.delay().get()

    # then: the refreshes ran: the reader's list is warm again and reflects the new behaviour
    assert relayed == {"sent": 3, "pending": 0, "purged": 0}
    cached = _list_of(reader, mf_version.pk)
    assert cached is not None
    assert clusters.b[0].pk not in [article_id for article_id, _, _ in cached.items]
