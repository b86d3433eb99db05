"""The background runner of the embedded default: work requested by a request runs on one
thread after the response, so a new reader's first "me" page does not wait for the text encoder
(issue 14)."""

import threading
import time

import pytest
from django.core.cache import cache

from articles.models import Article, Interaction
from recommender.background import BackgroundRunner
from recommender.cache.readers import reader_phrases_key
from recommender.ml import text
from tests.factories import InteractionFactory

# The first "me" page of a new reader in `make demo` (issue 14 measured 10 s before).
FIRST_ME_PAGE_SECONDS = 0.3


@pytest.fixture
def runner():
    runner = BackgroundRunner(max_queued=2)
    yield runner
    runner.stop(timeout=10)


def test_work_handed_over_during_a_request_starts_once_the_response_is_sent(runner):
    ran_on = []
    # given a request being served on this thread
    runner.hold()

    # when it asks for work
    runner.submit("record", lambda: ran_on.append(threading.current_thread().name))

    # then nothing runs before its response is sent, and the work runs on the thread after it
    assert runner.drain(timeout=1) is True
    assert ran_on == []
    runner.release()
    assert runner.drain(timeout=5) is True
    assert ran_on == ["recsite-background"]


def test_failed_work_is_logged_and_the_next_still_runs(runner, caplog):
    done = []

    def fail():
        raise RuntimeError("encoder missing")

    runner.submit("recommender.mine_reader_phrases", fail)
    runner.submit("after", lambda: done.append(True))

    assert runner.drain(timeout=5) is True
    assert done == [True]
    (record,) = [r for r in caplog.records if r.name == "recommender.background"]
    assert record.getMessage() == "Background work recommender.mine_reader_phrases failed"
    assert "encoder missing" in record.exc_text


def test_a_full_queue_drops_work_with_a_warning_instead_of_blocking(runner, caplog):
    started, release = threading.Event(), threading.Event()
    ran = []
    runner.submit("busy", lambda: (started.set(), release.wait(5)))
    assert started.wait(5)
    # given the thread busy and the queue (two places) full
    runner.submit("first", lambda: ran.append("first"))
    runner.submit("second", lambda: ran.append("second"))

    # when one more is handed over
    began = time.monotonic()
    runner.submit("third", lambda: ran.append("third"))

    # then it is dropped at once, said in the log, and the others run
    assert time.monotonic() - began < 0.5
    assert "Background queue full (2 waiting): third dropped" in caplog.text
    release.set()
    assert runner.drain(timeout=5) is True
    assert ran == ["first", "second"]


@pytest.mark.django_db(transaction=True)
def test_a_new_readers_first_me_page_is_fast_and_the_phrases_follow(
    deferred_work, text_mf_version, reader, client, monkeypatch
):
    for article in _astronomy()[:4]:
        InteractionFactory(user=reader, article=article, event=Interaction.Event.READ)
    client.force_login(reader)
    # given a process that has not loaded the text encoder yet (as after `make demo` starts)
    monkeypatch.setattr(text, "_encoders", {})

    # when the reader opens their "me" page for the first time
    began = time.perf_counter()
    response = client.get("/me/")
    seconds = time.perf_counter() - began

    # then it answers without mining phrases, which happens after it on the background thread
    assert response.status_code == 200
    assert seconds < FIRST_ME_PAGE_SECONDS
    assert response.context["interests"].phrases == []
    assert deferred_work.drain(timeout=60) is True
    phrases = cache.get(reader_phrases_key(reader.pk))
    assert phrases
    assert text._encoders  # loaded by the background thread, not by the request
    assert client.get("/me/").context["interests"].phrases == phrases


def _astronomy():
    return list(Article.objects.filter(topics__slug="astronomy").order_by("pk"))
