"""The personalisation switch: off, a reader's lists are non-personal, their explanations cite
nothing of theirs and their behaviour trains no model; on again, personal lists come back."""

from articles.models import Interaction
from recommender import selectors
from recommender.cache import lists
from recommender.explaining.explanations import NON_PERSONAL_STYLES
from recommender.explaining.interests import reader_interests, reader_phrases_mine
from recommender.models import PersonalisationSetting
from recommender.ranking.personalisation import personalisation_set
from tests.factories import InteractionFactory


def _astronomy_reader(clusters, reader):
    for article in clusters.a[:4]:
        InteractionFactory(user=reader, article=article, event=Interaction.Event.READ)
    return reader


def test_turning_it_off_on_the_me_page_makes_lists_non_personal(
    mf_version, clusters, reader, client, django_capture_on_commit_callbacks
):
    # given: a reader with a cached personal list
    _astronomy_reader(clusters, reader)
    client.force_login(reader)
    assert client.get("/api/recommendations/?n=5").json()["strategy"] == "personalized"
    assert lists.reader_list_get(version_id=mf_version.pk, user_id=reader.pk) is not None

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/me/personalisation/", {})

    # then: the cached list is gone, and the next one is trending then newest for everyone
    assert response.status_code == 302
    assert PersonalisationSetting.objects.get(user=reader).enabled is False
    assert lists.reader_list_get(version_id=mf_version.pk, user_id=reader.pk) is None
    body = client.get("/api/recommendations/?n=10").json()
    assert body["strategy"] == "non_personal"
    assert body["model_version"] is None
    assert {item["explanation"]["style"] for item in body["results"]} <= set(NON_PERSONAL_STYLES)
    assert all("you read" not in item["explanation"]["text"] for item in body["results"])
    page = client.get("/me/").content.decode()
    assert "Turn personalisation on" in page
    assert reader_interests(user=reader).topics == []


def test_patch_me_turns_it_off_and_on_again(
    mf_version, clusters, reader, client_for, django_capture_on_commit_callbacks
):
    # given
    _astronomy_reader(clusters, reader)
    api = client_for(reader)
    assert api.get("/api/me/").json()["personalised"] is True

    # when
    with django_capture_on_commit_callbacks(execute=True):
        off = api.patch("/api/me/", {"personalised": False}, format="json")
    strategy_off = api.get("/api/recommendations/?n=5").json()["strategy"]
    with django_capture_on_commit_callbacks(execute=True):
        on = api.patch("/api/me/", {"personalised": True}, format="json")

    # then
    assert (off.status_code, off.json()["personalised"]) == (200, False)
    assert strategy_off == "non_personal"
    assert (on.status_code, on.json()["personalised"]) == (200, True)
    assert api.get("/api/recommendations/?n=5").json()["strategy"] == "personalized"


def test_patch_me_refuses_what_is_not_a_boolean(reader, client_for):
    # when
    response = client_for(reader).patch("/api/me/", {"personalised": "maybe"}, format="json")

    # then: nothing changed
    assert response.status_code == 400
    assert not PersonalisationSetting.objects.exists()


def test_an_opted_out_readers_behaviour_trains_no_model(mf_version, clusters, reader, client):
    # given
    _astronomy_reader(clusters, reader)
    client.force_login(reader)

    # when
    client.post("/me/personalisation/", {})

    # then
    trained_on = {user_id for user_id, *_ in selectors.training_rows()}
    assert reader.pk not in trained_on
    assert clusters.readers[0].pk in trained_on


def test_turning_it_back_on_from_the_me_page(reader, client):
    # given
    client.force_login(reader)
    client.post("/me/personalisation/", {})

    # when
    client.post("/me/personalisation/", {"personalised": "on"})

    # then
    assert PersonalisationSetting.objects.get(user=reader).enabled is True
    assert "Turn personalisation off" in client.get("/me/").content.decode()


def test_no_key_phrases_are_mined_from_an_opted_out_readers_history(
    text_clusters, text_mf_version, reader, django_capture_on_commit_callbacks
):
    # given: a reader of astronomy who turned personalisation off
    _astronomy_reader(text_clusters, reader)
    with django_capture_on_commit_callbacks(execute=True):
        personalisation_set(user=reader, enabled=False)

    # when
    off = reader_phrases_mine(user_id=reader.pk)
    with django_capture_on_commit_callbacks(execute=True):
        personalisation_set(user=reader, enabled=True)
    on = reader_phrases_mine(user_id=reader.pk)

    # then
    assert off == []
    assert len(on) > 0
