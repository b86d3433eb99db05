"""Editors' view of explanations: filters, approval by style, the bandit, and the dashboard."""

import pytest
from django.test import Client
from django.utils import timezone

from recommender.models import Explanation
from tests.factories import (
    ArticleFactory,
    ExplanationFactory,
    ExplanationFeedbackFactory,
    InteractionFactory,
    RecommendationImpressionFactory,
    UserFactory,
)

CHANGELIST = "/admin/recommender/explanation/"
DASHBOARD = "/admin/recommender/explanation/dashboard/"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def voted(db):
    """Two explanations of two styles: one thumbs-up (helpful), one thumbs-down (wrong reason)."""
    reader = UserFactory()
    article = ArticleFactory()
    liked = ExplanationFactory(
        user=reader, article=article, style="topic_match", text="On Space, like 3 articles you read"
    )
    disliked = ExplanationFactory(
        user=reader, article=article, style="co_readers", text="4 readers of X also read this"
    )
    ExplanationFeedbackFactory(explanation=liked, vote=1, reason="helpful")
    ExplanationFeedbackFactory(explanation=disliked, vote=-1, reason="wrong_reason")
    InteractionFactory(user=reader, article=article)
    RecommendationImpressionFactory(explanation=liked, position=0, clicked_at=timezone.now())
    RecommendationImpressionFactory(explanation=liked, position=1)
    return liked, disliked


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["On Space", "4 readers"]),
        ("?style=topic_match", ["On Space"]),
        ("?vote=down", ["4 readers"]),
        ("?reason=helpful", ["On Space"]),
    ],
)
def test_editors_filter_explanations_by_style_vote_and_reason(editor, voted, query, expected):
    response = logged_in(editor).get(CHANGELIST + query)

    content = response.content.decode()
    assert response.status_code == 200
    assert [text for text in ("On Space", "4 readers") if text in content] == expected


def test_changelist_shows_approval_and_bandit_state_per_style(editor, voted):
    response = logged_in(editor).get(CHANGELIST)

    approval = {row["style"]: row for row in response.context["approval"]}
    assert approval["topic_match"]["approval"] == 1.0
    assert approval["co_readers"]["approval"] == 0.0
    assert approval["trending"]["approval"] is None
    assert response.context["bandit"]["topic_match"]["mean"] == 2 / 3
    assert 'id="approval-by-style"' in response.content.decode()


def test_dashboard_draws_four_svg_charts(editor, voted, mf_version):
    response = logged_in(editor).get(DASHBOARD)

    content = response.content.decode()
    assert response.status_code == 200
    assert content.count('<figure class="module chart"><svg') == 4
    for title in (
        "Interactions per day",
        "Click-through rate of recommended cards",
        "Thumbs-up rate per explanation style (weekly)",
        "Offline metrics across model versions",
    ):
        assert title in content
    assert "<script" not in content.split('id="content-main"')[1]


def test_readers_and_staff_without_permission_do_not_see_the_dashboard(reader, voted):
    staff = UserFactory(is_staff=True)

    anonymous = Client().get(DASHBOARD)
    not_staff = logged_in(reader).get(DASHBOARD)
    no_permission = logged_in(staff).get(DASHBOARD)

    assert anonymous.status_code == 302
    assert not_staff.status_code == 302
    assert no_permission.status_code == 403


def test_editors_may_view_but_not_change_feedback(editor, voted):
    liked, _ = voted
    client = logged_in(editor)

    listing = client.get("/admin/recommender/explanationfeedback/?reason=wrong_reason")
    detail = client.get(f"{CHANGELIST}{liked.pk}/change/")
    delete = client.post(f"{CHANGELIST}{liked.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200
    assert "wrong_reason" in listing.content.decode() or "Wrong reason" in listing.content.decode()
    assert detail.status_code == 200
    assert delete.status_code == 403
    assert Explanation.objects.count() == 2
