"""Route- and object-level authorisation of every API operation.

The operations come from the OpenAPI schema (generated in-process), so a new endpoint fails
``test_every_operation_has_the_expected_status_for_every_role`` until it is classified in
EXPECTED. Path parameters name reader A's objects where an operation has an owner (add yours to
PATH_PARAMS): reader B must get 404 (or 403) on every one of them, never A's data. Every response
to anyone but reader A is also searched for markers planted in A's private data. A staff account
without permissions is refused every operation that needs one, and changes nothing.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from articles.models import Article, Interaction
from recommender.models import ExplanationFeedback, ModelVersion
from tests.factories import TEST_PASSWORD, ArticleFactory

from .api_operations import (
    A_DWELL,
    A_EMAIL,
    A_SEARCH,
    OPERATIONS,
    ROLES,
    World,
    client_as,
    url_of,
)


@dataclass(frozen=True)
class Expect:
    """Statuses for (anonymous, reader A, reader B, editor, staff without permissions), and what
    the request needs."""

    statuses: tuple[int, int, int, int, int]
    body: Callable[[World, str], Any] | None = None
    # Reader A's 2xx response must show A's markers: proves the leak search can see them.
    shows_a_private_data: bool = False


def _article_body(world, role):
    return {"title": f"An article by {role}"}


def _credentials(world, role):
    user = world.users.get(role)
    if user is None:  # anonymous guesses reader A's password
        return {"username": "alice", "password": "a-wrong-guess"}
    return {"username": user.username, "password": TEST_PASSWORD}


def _interaction(world, role):
    return {"article": world.article.pk, "event": "like"}


def _no_personalisation(world, role):
    return {"personalised": False}


# Model permissions (the Editors group's), not the staff flag.
NEEDS_PERMISSION = (401, 403, 403, 200, 403)
EXPECTED: dict[str, Expect] = {
    "GET /api/articles/": Expect((200, 200, 200, 200, 200)),
    "POST /api/articles/": Expect((401, 403, 403, 201, 403), body=_article_body),
    "GET /api/articles/{id}/": Expect((200, 200, 200, 200, 200)),
    "GET /api/articles/{id}/similar/": Expect((200, 200, 200, 200, 200)),
    "PUT /api/articles/{id}/": Expect((401, 403, 403, 200, 403), body=_article_body),
    "PATCH /api/articles/{id}/": Expect((401, 403, 403, 200, 403), body=_article_body),
    "DELETE /api/articles/{id}/": Expect((401, 403, 403, 204, 403)),
    # Anonymous sends a wrong password: 400. The endpoint ignores sessions and tokens.
    "POST /api/auth/token/": Expect((400, 200, 200, 200, 200), body=_credentials),
    # Only reader A was shown the explanation: anyone else's vote finds nothing to vote on.
    "POST /api/explanations/{id}/feedback/": Expect(
        (401, 201, 404, 404, 404), body=lambda w, r: {"vote": "down", "reason": "not_relevant"}
    ),
    "GET /api/health/live": Expect((200, 200, 200, 200, 200)),
    "GET /api/health/ready": Expect((200, 200, 200, 200, 200)),
    # Always the caller's own: B's list must not contain A's (the leak search checks it).
    "GET /api/interactions/": Expect((401, 200, 200, 200, 200), shows_a_private_data=True),
    "POST /api/interactions/": Expect((401, 201, 201, 201, 201), body=_interaction),
    "GET /api/me/": Expect((401, 200, 200, 200, 200), shows_a_private_data=True),
    "PATCH /api/me/": Expect(
        (401, 200, 200, 200, 200), body=_no_personalisation, shows_a_private_data=True
    ),
    "DELETE /api/me/": Expect((401, 204, 204, 204, 204)),
    "GET /api/me/export/": Expect((401, 200, 200, 200, 200), shows_a_private_data=True),
    "GET /api/model-versions/": Expect(NEEDS_PERMISSION),
    "GET /api/model-versions/{id}/": Expect(NEEDS_PERMISSION),
    "POST /api/model-versions/{id}/activate/": Expect(NEEDS_PERMISSION),
    # Eager in tests: the retraining runs (on tiny data) before the 202.
    "POST /api/model-versions/retrain/": Expect((401, 403, 403, 202, 403)),
    "GET /api/model-versions/retrain/{task_id}/": Expect(NEEDS_PERMISSION),
    # Nothing is active, so an editor's rollback is a 400 with a message.
    "POST /api/model-versions/rollback/": Expect((401, 403, 403, 400, 403), body=lambda w, r: {}),
    "GET /api/recommendations/": Expect((401, 200, 200, 200, 200)),
    # No LM is trained in these tests: an honest 503 for every signed-in caller.
    "POST /api/recommend/": Expect(
        (401, 503, 503, 503, 503), body=lambda w, r: {"user_input": "the stars", "top_n": 3}
    ),
    "GET /api/topics/": Expect((200, 200, 200, 200, 200)),
    "GET /api/topics/{slug}/": Expect((200, 200, 200, 200, 200)),
    "GET /api/topics/followed/": Expect((401, 200, 200, 200, 200)),
    "POST /api/topics/{slug}/follow/": Expect((401, 200, 200, 200, 200)),
    "DELETE /api/topics/{slug}/follow/": Expect((401, 200, 200, 200, 200)),
}


def test_every_operation_in_the_table_still_exists():
    assert set(EXPECTED) - {f"{method} {path}" for method, path in OPERATIONS} == set()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[" ".join(op) for op in OPERATIONS])
def test_every_operation_has_the_expected_status_for_every_role(world, method, path, role):
    # given
    key = f"{method} {path}"
    assert key in EXPECTED, f"classify the new operation {key} in EXPECTED and PATH_PARAMS"
    expect = EXPECTED[key]
    url = url_of(world, path)
    body = expect.body(world, role) if expect.body else None

    # when
    data = None if body is None else json.dumps(body)
    response = client_as(world, role).generic(
        method, url, data=data, content_type="application/json"
    )

    # then
    expected_status = expect.statuses[ROLES.index(role)]
    assert response.status_code == expected_status, response.content[:500]
    content = response.content.decode()
    markers = (A_EMAIL, A_SEARCH, str(A_DWELL))
    if role == "reader_a" and expect.shows_a_private_data:
        assert any(marker in content for marker in markers)
    elif role != "reader_a":
        assert [marker for marker in markers if marker in content] == []


@pytest.mark.parametrize("role", ["anonymous", "reader_a", "reader_b"])
@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_drafts_are_invisible_and_untouchable_for_everyone_but_editors(world, role, method):
    # given
    draft = ArticleFactory(status=Article.Status.DRAFT, title="Secret draft")

    # when
    response = client_as(world, role).generic(
        method, f"/api/articles/{draft.pk}/", data='{"title": "x"}', content_type="application/json"
    )

    # then: not found to read; refused to write (by the route, before any lookup); unchanged
    if method == "GET":
        assert response.status_code == 404
    else:
        assert response.status_code == (401 if role == "anonymous" else 403)
    draft.refresh_from_db()
    assert (draft.title, draft.status) == ("Secret draft", Article.Status.DRAFT)


def test_reader_b_cannot_vote_on_reader_a_explanation(world):
    # given
    feedback_before = ExplanationFeedback.objects.count()
    interactions_before = list(Interaction.objects.values_list("pk", flat=True))

    # when: a "not relevant" vote would also record a dislike, were it accepted
    response = client_as(world, "reader_b").post(
        f"/api/explanations/{world.explanation.pk}/feedback/",
        {"vote": "down", "reason": "not_relevant"},
        format="json",
    )

    # then
    assert response.status_code == 404
    assert ExplanationFeedback.objects.count() == feedback_before
    assert list(Interaction.objects.values_list("pk", flat=True)) == interactions_before


# Operations that only an account with model permissions may call: what the editor may do and
# a reader may not.
NEEDS_PERMISSION_OPERATIONS = sorted(
    key
    for key, expect in EXPECTED.items()
    if expect.statuses[ROLES.index("reader_b")] == 403
    and expect.statuses[ROLES.index("editor")] != 403
)


def _state() -> dict:
    return {
        "articles": list(Article.objects.order_by("pk").values_list("pk", "title", "status")),
        "model_versions": list(
            ModelVersion.objects.order_by("pk").values_list("pk", "status", "activated_at")
        ),
    }


def test_the_operations_needing_a_permission_are_the_article_writes_and_the_model_registry():
    assert NEEDS_PERMISSION_OPERATIONS == [
        "DELETE /api/articles/{id}/",
        "GET /api/model-versions/",
        "GET /api/model-versions/retrain/{task_id}/",
        "GET /api/model-versions/{id}/",
        "PATCH /api/articles/{id}/",
        "POST /api/articles/",
        "POST /api/model-versions/retrain/",
        "POST /api/model-versions/rollback/",
        "POST /api/model-versions/{id}/activate/",
        "PUT /api/articles/{id}/",
    ]


@pytest.mark.parametrize("key", NEEDS_PERMISSION_OPERATIONS)
def test_a_staff_account_without_permissions_is_refused_and_changes_nothing(world, key):
    # given: the staff flag alone, as the admin sees it (no model listed, no action allowed)
    method, path = key.split(" ")
    expect = EXPECTED[key]
    body = expect.body(world, "staff") if expect.body else None
    before = _state()

    # when
    response = client_as(world, "staff").generic(
        method, url_of(world, path), data=json.dumps(body), content_type="application/json"
    )

    # then
    assert response.status_code == 403, response.content[:500]
    assert _state() == before
