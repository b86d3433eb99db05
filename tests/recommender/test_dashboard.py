"""Editors' view of explanations: filters, approval by style, the bandit, and the dashboard."""

import pytest
from django.test import Client
from django.utils import timezone

from recommender import dashboard
from recommender.dashboard import Rate
from recommender.models import Explanation
from tests.factories import (
    ArticleFactory,
    EvidencePenaltyFactory,
    ExplanationFactory,
    ExplanationFeedbackFactory,
    InteractionFactory,
    ModelVersionFactory,
    RecommendationImpressionFactory,
    TopicFactory,
    UserFactory,
)

CHANGELIST = "/admin/recommender/explanation/"
DASHBOARD = "/admin/recommender/explanation/dashboard/"
PENALTIES = "/admin/recommender/evidencepenalty/"


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


def test_changelist_shows_approval_and_the_style_chooser_in_words(editor, voted):
    response = logged_in(editor).get(CHANGELIST)

    content = response.content.decode()
    approval = {row["style"]: row for row in response.context["approval"]}
    assert approval["topic_match"]["approval"] == Rate(1, 1)
    assert approval["topic_match"]["approval_text"] == "100% (21%–100%)"
    assert approval["co_readers"]["approval_text"] == "0% (0%–79%)"
    assert approval["trending"]["approval_text"] == "–"
    assert approval["topic_match"]["expected_text"].startswith("67% (")
    assert 'id="approval-by-style"' in content
    for header in ("Thumbs up", "Thumbs down", "Chance it is the best style"):
        assert f">{header}</th>" in content
    for jargon in ("👍", "👎", "P(best)", "Bandit: mean"):
        assert jargon not in content


def test_rates_carry_their_counts_and_95_percent_wilson_interval():
    rate = Rate(1, 2)

    low, high = rate.interval

    assert rate.value == 0.5
    assert (round(low, 4), round(high, 4)) == (0.0945, 0.9055)
    assert Rate(0, 5).interval[0] == 0.0
    assert Rate(5, 5).interval[1] == 1.0


def test_weekly_rates_are_per_surface_and_style_in_words(voted):
    weeks, clicks = dashboard.click_through_per_week()
    vote_weeks, votes = dashboard.approval_per_week()

    this_week = len(weeks) - 1
    assert weeks[this_week].weekday() == 0
    assert clicks == {"Home page": [None] * this_week + [Rate(1, 2)]}
    assert votes == {
        "Readers like you": [None] * this_week + [Rate(0, 1)],
        "Topic match": [None] * this_week + [Rate(1, 1)],
    }
    assert vote_weeks == weeks


def test_offline_metrics_draw_one_series_per_kind(db):
    mf = ModelVersionFactory(kind="mf", metrics={"ndcg@10": 0.1})
    hybrid = ModelVersionFactory(kind="hybrid", metrics={"ndcg@10": 0.3})
    ModelVersionFactory(kind="encoder")
    lm = ModelVersionFactory(kind="lm", metrics={"ndcg@10": 0.02, "recall@20": 0.05})

    labels, series = dashboard.metric_by_kind()

    assert labels == [f"v{mf.pk}", f"v{hybrid.pk}", f"v{lm.pk}"]
    assert series == {
        "Matrix factorisation": [0.1, None, None],
        "Hybrid ranker": [None, 0.3, None],
        "Language model": [None, None, 0.02],
    }


def test_dashboard_draws_four_svg_charts(editor, voted, mf_version):
    response = logged_in(editor).get(DASHBOARD)

    content = response.content.decode()
    assert response.status_code == 200
    assert content.count('<figure class="module chart"><svg') == 4
    for title in (
        "Interactions per day",
        "Click-through of recommended cards (cards opened of cards shown, weekly)",
        "Thumbs-up share per explanation style (weekly)",
        "Validation NDCG@10 per model version, one line per kind",
        "1/2",  # the click-through's counts, drawn beside its point
        "Topic match",
        "Matrix factorisation",
    ):
        assert title in content
    assert "similar_text" not in content and "topic_match" not in content
    assert "<script" not in content.split('id="content-main"')[1]


def test_the_admin_home_links_the_dashboard_for_editors_only(editor):
    staff = UserFactory(is_staff=True)

    for_editor = logged_in(editor).get("/admin/").content.decode()
    for_staff = logged_in(staff).get("/admin/").content.decode()

    assert f'href="{DASHBOARD}"' in for_editor
    assert f'href="{DASHBOARD}"' not in for_staff


def test_evidence_penalties_name_the_article_and_topic(editor, django_assert_max_num_queries):
    reader = UserFactory()
    article = ArticleFactory(title="Exploring complex networks")
    TopicFactory(name="Space", slug="space")
    EvidencePenaltyFactory(user=reader, key=f"article:{article.pk}")
    EvidencePenaltyFactory(user=reader, key="topic:space")
    EvidencePenaltyFactory(user=reader, key="style:trending")
    EvidencePenaltyFactory(user=reader, key="article:999999")
    client = logged_in(editor)
    client.get(PENALTIES)  # warm the session and permission caches

    with django_assert_max_num_queries(12):
        response = client.get(PENALTIES)

    content = response.content.decode()
    assert "article “Exploring complex networks”" in content
    assert "topic “Space”" in content
    assert "the style “Trending”" in content
    assert "article:999999" in content  # gone: shown as recorded
    assert f"article:{article.pk}<" not in content
    assert "Evidence penalties" in content


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
