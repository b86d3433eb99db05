"""Thumbs on explanations through the API, and what each answer does, end to end."""

import pytest

from articles.models import Interaction
from recommender.explaining import styles
from recommender.explaining.explanations import recommendations_with_explanations
from recommender.models import EvidencePenalty, Explanation, ExplanationFeedback
from tests.factories import InteractionFactory, UserFactory

URL = "/api/recommendations/"


def feedback_url(explanation_id: int) -> str:
    return f"/api/explanations/{explanation_id}/feedback/"


@pytest.fixture
def shown(mf_version, clusters, reader):
    """The reader's first page of 5, explained (an astronomy reader)."""
    for article in clusters.a[:3]:
        InteractionFactory(user=reader, article=article, event=Interaction.Event.READ)
    return recommendations_with_explanations(user=reader, n=5)


def test_first_vote_is_201_and_a_changed_vote_200(client_for, reader, shown):
    explanation_id = shown.items[0].explanation["id"]
    client = client_for(reader)

    first = client.post(feedback_url(explanation_id), {"vote": "up"}, format="json")
    changed = client.post(
        feedback_url(explanation_id),
        {"vote": "down", "reason": "other", "comment": " meh "},
        format="json",
    )

    assert first.status_code == 201
    assert changed.status_code == 200
    assert changed.json()["vote"] == "down"
    assert changed.json()["id"] == first.json()["id"]
    [row] = ExplanationFeedback.objects.all()
    assert (row.vote, row.reason, row.comment) == (-1, "other", "meh")


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"vote": "maybe"}, {"vote": ['"maybe" is not a valid choice.']}),
        ({}, {"vote": ["This field is required."]}),
        ({"vote": "up", "reason": "nonsense"}, {"reason": ['"nonsense" is not a valid choice.']}),
        (
            {"vote": "up", "reason": "not_relevant"},
            {
                "reason": [
                    "'not_relevant' is not a reason for a thumbs-up; expected one of: helpful, "
                    "other."
                ]
            },
        ),
        (
            {"vote": "down", "comment": "x" * 2001},
            {"comment": ["Ensure this field has no more than 2000 characters."]},
        ),
    ],
)
def test_bad_values_get_400_and_change_nothing(client_for, reader, shown, body, errors):
    response = client_for(reader).post(
        feedback_url(shown.items[0].explanation["id"]), body, format="json"
    )

    assert response.status_code == 400
    assert response.json() == errors
    assert ExplanationFeedback.objects.count() == 0


def test_another_readers_explanation_is_404_and_unchanged(client_for, other_reader, shown):
    response = client_for(other_reader).post(
        feedback_url(shown.items[0].explanation["id"]), {"vote": "down"}, format="json"
    )
    missing = client_for(other_reader).post(feedback_url(999_999), {"vote": "down"}, format="json")

    assert response.status_code == 404
    assert missing.status_code == 404
    assert response.json() == missing.json()
    assert ExplanationFeedback.objects.count() == 0


def test_anonymous_vote_is_401(api_client, shown):
    response = api_client.post(feedback_url(shown.items[0].explanation["id"]), {"vote": "up"})

    assert response.status_code == 401


def test_not_relevant_dislikes_the_article_and_it_leaves_the_list_at_once(
    client_for, reader, shown, django_capture_on_commit_callbacks
):
    client = client_for(reader)
    article_id = shown.items[0].article["id"]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            feedback_url(shown.items[0].explanation["id"]),
            {"vote": "down", "reason": "not_relevant"},
            format="json",
        )
    after = client.get(URL, {"n": 50}).json()

    assert response.status_code == 201
    assert list(
        Interaction.objects.filter(user=reader, article_id=article_id).values_list(
            "event", "source"
        )
    ) == [("dislike", "api")]
    assert article_id not in [item["article"]["id"] for item in after["results"]]


def test_already_read_records_a_read(client_for, reader, shown, django_capture_on_commit_callbacks):
    article_id = shown.items[1].article["id"]

    with django_capture_on_commit_callbacks(execute=True):
        client_for(reader).post(
            feedback_url(shown.items[1].explanation["id"]),
            {"vote": "down", "reason": "already_read"},
            format="json",
        )
    after = client_for(reader).get(URL, {"n": 50}).json()

    assert list(
        Interaction.objects.filter(user=reader, article_id=article_id).values_list(
            "event", flat=True
        )
    ) == ["read"]
    assert article_id not in [item["article"]["id"] for item in after["results"]]


@pytest.fixture
def history_style_first(monkeypatch):
    """The bandit's draw is seeded by reader, article and version ids, which PostgreSQL's
    sequences make depend on the tests run before: pick "because you read" wherever the
    evidence allows it, so the page surely has one to vote on."""
    choose = styles.style_choose

    def prefer_history(*, styles: list[str], **kwargs) -> str:
        if Explanation.Style.BECAUSE_YOU_READ in styles:
            return Explanation.Style.BECAUSE_YOU_READ
        return choose(styles=styles, **kwargs)

    monkeypatch.setattr(styles, "style_choose", prefer_history)


def test_wrong_reason_penalises_the_cited_evidence_and_the_reason_changes(
    client_for, reader, history_style_first, shown, django_capture_on_commit_callbacks
):
    item = next(i for i in shown.items if i.explanation["style"] == "because_you_read")
    cited = item.explanation["evidence"]["articles"]

    with django_capture_on_commit_callbacks(execute=True):
        client_for(reader).post(
            feedback_url(item.explanation["id"]),
            {"vote": "down", "reason": "wrong_reason"},
            format="json",
        )
    after = recommendations_with_explanations(user=reader, n=5)

    expected = {f"article:{pk}": 0.5 for pk in cited}
    if item.explanation["evidence"].get("topic"):
        expected["topic:astronomy"] = 0.5
    assert dict(EvidencePenalty.objects.values_list("key", "penalty")) == expected
    renewed = next(i for i in after.items if i.article["id"] == item.article["id"])
    assert renewed.explanation["id"] != item.explanation["id"]
    assert Interaction.objects.filter(user=reader).count() == 3  # no dislike, no read


def test_votes_update_the_style_bandit_which_picks_the_next_style(
    client_for, mf_version, clusters, reader, other_reader
):
    # given many readers' thumbs: topic matches approved, every other style rejected
    for article in clusters.b[:10]:
        for style, vote in [("topic_match", 1), ("because_you_read", -1), ("co_readers", -1)]:
            explanation = Explanation.objects.create(
                user=other_reader,
                article=article,
                style=style,
                text="t",
                evidence={"segment": "new"},
            )
            for _ in range(4):
                ExplanationFeedback.objects.create(
                    explanation=explanation, user=UserFactory(), vote=vote
                )
    InteractionFactory(user=reader, article=clusters.a[0], event=Interaction.Event.READ)
    styles.vote_counts_forget()

    chosen = [
        i.explanation["style"] for i in recommendations_with_explanations(user=reader, n=10).items
    ]

    assert styles.segment_counts("new")["topic_match"].up == 40
    assert chosen == ["topic_match"] * 10


def test_a_vote_is_counted_by_the_bandit_at_once(
    client_for, reader, shown, django_capture_on_commit_callbacks
):
    style = shown.items[0].explanation["style"]
    before = styles.segment_counts("new").get(style)

    with django_capture_on_commit_callbacks(execute=True):
        client_for(reader).post(feedback_url(shown.items[0].explanation["id"]), {"vote": "up"})

    assert before is None
    assert styles.segment_counts("new")[style].up == 1
