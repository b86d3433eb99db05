"""The site's For-you cards: reasons and thumbs without JavaScript, impressions and clicks, and
the "me" page's inferred interests."""

import pytest

from articles.models import Interaction
from recommender.explaining.explanations import recommendations_with_explanations
from recommender.models import ExplanationFeedback, HiddenInterest, RecommendationImpression
from tests.factories import InteractionFactory


@pytest.fixture
def site(client, mf_version, clusters, reader):
    """The astronomy reader (3 reads and 1 biology read), logged in on the site."""
    for article in [*clusters.a[:3], clusters.b[0]]:
        InteractionFactory(user=reader, article=article, event=Interaction.Event.READ)
    client.force_login(reader)
    return client


def test_every_for_you_card_has_its_reason_and_thumbs_and_is_recorded(site, reader):
    response = site.get("/")

    html = response.content.decode()
    impressions = list(RecommendationImpression.objects.order_by("position"))
    assert response.status_code == 200
    assert len(impressions) == 6
    assert {i.surface for i in impressions} == {"home"}
    # A card whose every true reason another card already gives shows none (no text twice).
    explained = [i for i in impressions if i.explanation_id is not None]
    assert html.count('class="explanation"') == len(explained) >= 5
    assert len({i.explanation.text for i in explained}) == len(explained)
    for impression in impressions:
        assert f"{impression.article.get_absolute_url()}?rec={impression.pk}" in html
    for impression in explained:
        assert f'data-explanation="{impression.explanation_id}"' in html


def test_opening_a_card_counts_as_a_click_once_and_only_for_its_reader(site, reader, other_reader):
    site.get("/")
    impression = RecommendationImpression.objects.order_by("position").first()
    url = impression.article.get_absolute_url()

    site.get(f"{url}?rec={impression.pk}")
    first_click = RecommendationImpression.objects.get(pk=impression.pk).clicked_at
    site.get(f"{url}?rec={impression.pk}")
    site.force_login(other_reader)
    site.get(f"{url}?rec={impression.pk}")

    assert first_click is not None
    assert RecommendationImpression.objects.get(pk=impression.pk).clicked_at == first_click


def test_thumbs_down_without_javascript_then_a_reason(
    site, reader, django_capture_on_commit_callbacks
):
    site.get("/")
    impression = RecommendationImpression.objects.order_by("position").first()
    url = f"/explanations/{impression.explanation_id}/feedback/"

    down = site.post(url, {"vote": "down", "next": "/"})
    asked = site.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        reason = site.post(url, {"vote": "down", "reason": "not_relevant", "next": "/"})
    after = site.get("/")

    assert down.status_code == 302 and down["Location"] == "/"
    assert "What was wrong?" in asked
    assert reason.status_code == 302
    assert ExplanationFeedback.objects.get().reason == "not_relevant"
    assert "Got it: removed from your list." in after.content.decode()
    shown_now = [c["article"]["id"] for c in after.context["for_you_cards"]]
    assert impression.article_id not in shown_now


def test_the_script_gets_json_and_a_bad_vote_changes_nothing(site, reader):
    site.get("/")
    impression = RecommendationImpression.objects.order_by("position").first()
    url = f"/explanations/{impression.explanation_id}/feedback/"

    bad = site.post(url, {"vote": "sideways"}, HTTP_ACCEPT="application/json")
    good = site.post(url, {"vote": "down"}, HTTP_ACCEPT="application/json")

    assert bad.status_code == 400
    assert bad.json() == {"ok": False, "errors": {"vote": ["Expected one of: up, down."]}}
    assert good.json() == {
        "ok": True,
        "vote": "down",
        "reason": "",
        "message": "Thanks! Tell us what was wrong, if you like.",
        "ask_reason": True,
        "removed": False,
    }
    assert ExplanationFeedback.objects.count() == 1


def test_someone_elses_explanation_is_404_on_the_site(site, reader, other_reader, client):
    site.get("/")
    impression = RecommendationImpression.objects.first()
    client.force_login(other_reader)

    response = client.post(f"/explanations/{impression.explanation_id}/feedback/", {"vote": "up"})

    assert response.status_code == 404
    assert ExplanationFeedback.objects.count() == 0


def test_me_page_lists_inferred_topics_and_removing_one_is_respected(
    site, reader, clusters, django_capture_on_commit_callbacks
):
    page = site.get("/me/").content.decode()
    before = recommendations_with_explanations(user=reader, n=40)

    with django_capture_on_commit_callbacks(execute=True):
        response = site.post("/me/interests/hide/", {"topic": "astronomy"})
    after = recommendations_with_explanations(user=reader, n=40)
    me = site.get("/me/").content.decode()

    assert "Astronomy" in page and "(3 articles)" in page and "(1 article)" in page
    assert response.status_code == 302
    assert HiddenInterest.objects.get().topic == clusters.astronomy
    assert any(i.article["topics"][0]["slug"] == "astronomy" for i in before.items)
    assert {i.article["topics"][0]["slug"] for i in after.items} == {"biology"}
    assert all(i.explanation["evidence"].get("topic") != "astronomy" for i in after.items)
    assert "Restore" in me


def test_restoring_an_interest_brings_its_articles_back(
    site, reader, clusters, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        site.post("/me/interests/hide/", {"topic": "astronomy"})
    hidden = HiddenInterest.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        restored = site.post(f"/me/interests/{hidden.pk}/restore/")
    result = recommendations_with_explanations(user=reader, n=40)

    assert restored.status_code == 302
    assert HiddenInterest.objects.count() == 0
    assert "astronomy" in {i.article["topics"][0]["slug"] for i in result.items}


def test_hiding_needs_exactly_one_topic_or_phrase(site):
    assert site.post("/me/interests/hide/", {}).status_code == 404
    assert site.post("/me/interests/hide/", {"topic": "nope"}).status_code == 404
    assert HiddenInterest.objects.count() == 0
