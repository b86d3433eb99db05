import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from recommender.background import defer_work_after_responses, run_inline_again
from recsite.celery import app as celery_app
from tests.factories import UserFactory

EDITORS_GROUP = "Editors"

pytest_plugins = ["tests.recommender_fixtures", "tests.browser"]


@pytest.fixture(autouse=True, scope="session")
def _celery_runs_tasks_inline():
    """Unit tests run tasks in-process; tests of real workers start one and switch this off."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True


@pytest.fixture
def deferred_work(settings):
    """Tasks run as in a web process of the embedded default: on the background thread, after
    the response (recommender.background). Tests call ``deferred_work.drain(timeout=...)`` to wait
    for them; the rest is drained before the test ends. Other tests run them inline."""
    runner = defer_work_after_responses(max_queued=settings.RECSITE_BACKGROUND_QUEUE_SIZE)
    yield runner
    run_inline_again(timeout=60)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Password hashing dominates test time otherwise; production keeps Django's default hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def reader(db):
    return UserFactory(username="alice")


@pytest.fixture
def other_reader(db):
    return UserFactory(username="bob")


@pytest.fixture
def editor(db):
    user = UserFactory(username="eve_editor", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    return user


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_for():
    """An API client authenticated as the given user (or anonymous for None)."""

    def make(user):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make
