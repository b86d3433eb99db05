"""Privacy in a real Redis: after a reader used every feature and deleted their account, no key of
theirs remains (scanned), and every key the features wrote belongs to a registered family of
articles.privacy (so a new, unregistered key family fails here)."""

import pytest
import redis
from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from articles.models import Interaction
from articles.privacy import CACHE_FAMILIES, personal_cache_keys
from recommender.models import Explanation, ModelVersion
from recommender.ranking.sequence import lm_forget_loaded
from recommender.training.lm import model_version_train_lm
from tests.factories import TEST_PASSWORD, UserFactory
from tests.recommender.conftest import (  # noqa: F401 (fixtures)
    _encodings_reused,
    text_clusters,
    text_mf_version,
)
from tests.recommender.ml.lm_tiny import tiny_lm_settings
from tests.redis_cache import redis_caches

PREFIX = "privacy-scan"
# A reader id no article, version or count of the test can have, so a key naming it is theirs.
READER_ID = 7_654_321


@pytest.fixture
def private_cache(settings, redis_server):
    """The default cache in a private, empty redis-server; its raw client for scanning."""
    settings.CACHES = redis_caches(redis_server.url, KEY_PREFIX=PREFIX)
    return redis.Redis.from_url(redis_server.url)


def _stored_keys(client: redis.Redis) -> set[str]:
    # django_redis stores "<prefix>:<version>:<key>".
    return {raw.decode().split(":", 2)[2] for raw in client.scan_iter(f"{PREFIX}:*")}


def _use_every_feature(reader, site, api, capture) -> None:
    astronomy = text_mf_version_astronomy()
    with capture(execute=True):
        for article in astronomy[:3]:
            response = api.post(
                "/api/interactions/", {"article": article.pk, "event": "read"}, format="json"
            )
            assert response.status_code == 201, response.content
    with capture(execute=True):
        response = api.get("/api/recommendations/?n=10")
        assert response.status_code == 200
    explanation = Explanation.objects.filter(user=reader).first()
    with capture(execute=True):
        response = api.post(
            f"/api/explanations/{explanation.pk}/feedback/",
            {"vote": "down", "reason": "wrong_reason", "comment": "not my thing"},
            format="json",
        )
        assert response.status_code == 201, response.content
    with capture(execute=True):
        assert site.get("/search/", {"q": "dark matter galaxies"}).status_code == 200
    with capture(execute=True):
        assert site.get("/me/").status_code == 200  # queues the mining of key phrases
    with capture(execute=True):
        assert site.get("/me/").status_code == 200
        assert api.get("/api/recommendations/?n=10").status_code == 200
    # A sequence LM, so that the refresh after a last read stores the reader's sequence state.
    with capture(execute=True):  # (its activation forgets the cached active versions on commit)
        assert model_version_train_lm().status == ModelVersion.Status.ACTIVE
    with capture(execute=True):
        response = api.post(
            "/api/interactions/", {"article": astronomy[3].pk, "event": "read"}, format="json"
        )
        assert response.status_code == 201, response.content
    with capture(execute=True):  # the page and explanations the read made stale, cached again
        assert api.get("/api/recommendations/?n=10").status_code == 200
    # The login defence, last: its back-off key lives 2 s, which the steps above can outlast on
    # a loaded machine. A login (a known address), then failures up to the back-off.
    # (A fresh client for the failures: a signed-in one is redirected before any check.)
    credentials = {"username": reader.username, "password": TEST_PASSWORD}
    assert APIClient().post("/login/", credentials).status_code == 302
    guesser = APIClient()
    for _ in range(settings.RECSITE_LOGIN_FAILURE_LIMIT):
        guesser.post("/login/", {**credentials, "password": "wrong-password-1234"})
    # A password reset asked for by email (counted per address typed).
    assert guesser.post("/password-reset/", {"email": reader.email}).status_code == 302


def text_mf_version_astronomy():
    from articles.models import Article

    return list(Article.objects.filter(topics__slug="astronomy").order_by("pk"))


@pytest.fixture
def tiny_lm(settings):
    """A sequence LM small enough to train inside the test."""
    tiny_lm_settings(settings)
    lm_forget_loaded()
    yield
    lm_forget_loaded()


@pytest.mark.usefixtures("text_mf_version", "tiny_lm")
def test_no_key_of_a_deleted_reader_remains_in_redis(
    private_cache, django_capture_on_commit_callbacks
):
    # given: a reader who used every feature, through the API (token) and the site (session)
    reader = UserFactory(id=READER_ID, username="scanned")
    token = Token.objects.create(user=reader)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    site = APIClient()
    site.force_login(reader)
    _use_every_feature(reader, site, api, django_capture_on_commit_callbacks)
    stored = _stored_keys(private_cache)
    theirs = personal_cache_keys(user=reader)
    present = [key for key in theirs if key in stored]

    # then (registry completeness): every key written belongs to a registered family, and the
    # reader has keys in every personal family (so this test exercised each of them)
    unregistered = [
        key for key in stored if not any(f.matches(key) for f in CACHE_FAMILIES.values())
    ]
    assert unregistered == []
    personal = [family for family in CACHE_FAMILIES.values() if family.keys_of is not None]
    assert [f.template for f in personal if not any(f.matches(key) for key in present)] == []
    assert any(str(READER_ID) in key for key in stored)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete("/api/me/")

    # then: none of the reader's key names exists, and no key mentions their id
    assert response.status_code == 204
    remaining = _stored_keys(private_cache)
    assert [key for key in theirs if key in remaining] == []
    assert [key for key in remaining if str(READER_ID) in key] == []
    assert not Interaction.objects.filter(user_id=READER_ID).exists()
