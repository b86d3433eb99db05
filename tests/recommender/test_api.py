import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from articles.models import Interaction
from recommender.models import ModelVersion
from tests.factories import InteractionFactory, ModelVersionFactory
from tests.recommender.api_shapes import ARTICLE_FIELDS

URL = "/api/recommendations/"


def article_topics(response) -> list[str]:
    return [item["article"]["topics"][0]["slug"] for item in response.json()["results"]]


def test_anonymous_reader_gets_401(api_client, clusters):
    response = api_client.get(URL)

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"n": 0}, {"n": ["Ensure this value is greater than or equal to 1."]}),
        ({"n": 101}, {"n": ["Ensure this value is less than or equal to 100."]}),
        ({"n": "ten"}, {"n": ["A valid integer is required."]}),
        ({"offset": -1}, {"offset": ["Ensure this value is greater than or equal to 0."]}),
        (
            {"exclude": "4,x"},
            {"exclude": ["Expected a comma-separated list of article ids, e.g. 12,40."]},
        ),
        ({"topic": "cooking"}, {"topic": ["No topic with slug 'cooking'."]}),
    ],
)
def test_bad_parameters_get_400_with_field_messages(client_for, reader, clusters, params, errors):
    response = client_for(reader).get(URL, params)

    assert response.status_code == 400
    assert response.json() == errors


def test_response_shape(client_for, mf_version, clusters, reader):
    InteractionFactory(user=reader, article=clusters.a[0], event=Interaction.Event.READ)

    response = client_for(reader).get(URL, {"n": 2, "topic": "astronomy", "exclude": "999,998"})

    body = response.json()
    assert response.status_code == 200
    assert body["model_version"] == mf_version.pk
    assert body["strategy"] == "personalized"
    assert len(body["results"]) == 2
    assert body["experiment"] is None
    assert set(body["results"][0]) == {"article", "score", "explanation", "arm"}
    assert body["results"][0]["arm"] is None
    assert set(body["results"][0]["explanation"]) == {
        "id",
        "text",
        "display_text",
        "style",
        "evidence",
    }
    assert set(body["results"][0]["article"]) == ARTICLE_FIELDS
    assert article_topics(response) == ["astronomy", "astronomy"]


def test_new_reader_gets_cold_start(client_for, mf_version, clusters, reader):
    response = client_for(reader).get(URL, {"n": 3})

    body = response.json()
    assert body["strategy"] == "cold_start"
    assert body["model_version"] is None
    assert body["ranker"] is None
    assert [item["score"] for item in body["results"]] == [1.0, 1.0 - 1 / 40, 1.0 - 2 / 40]


def test_cache_hit_makes_only_the_token_query(
    mf_version, clusters, reader, django_assert_num_queries
):
    InteractionFactory(user=reader, article=clusters.a[0], event=Interaction.Event.READ)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=reader).key}")
    params = {"n": 5, "topic": "astronomy", "exclude": str(clusters.a[1].pk)}
    first = client.get(URL, params)

    with django_assert_num_queries(1):  # the token and its account, never cached
        second = client.get(URL, params)

    assert second.status_code == 200
    assert second.json() == first.json()


def test_like_through_the_api_changes_the_next_list_without_retraining(
    client_for, mf_version, clusters, reader, django_capture_on_commit_callbacks
):
    # Benchmark 3 (freshness): an astronomy reader likes one biology article.
    InteractionFactory(user=reader, article=clusters.a[0], event=Interaction.Event.READ)
    client = client_for(reader)
    before = client.get(URL, {"n": 10})

    with django_capture_on_commit_callbacks(execute=True):
        liked = client.post(
            "/api/interactions/", {"article": clusters.b[0].pk, "event": "like"}, format="json"
        )
    after = client.get(URL, {"n": 10})

    assert liked.status_code == 201
    assert article_topics(before) == ["astronomy"] * 10
    assert article_topics(after) == ["biology"] * 10
    assert clusters.b[0].pk not in [item["article"]["id"] for item in after.json()["results"]]
    assert after.json()["model_version"] == mf_version.pk
    assert ModelVersion.objects.filter(kind="mf").count() == 1  # no retraining happened


def test_staff_lists_model_versions_with_metrics(client_for, editor, mf_version):
    response = client_for(editor).get("/api/model-versions/")

    assert response.status_code == 200
    [row] = [row for row in response.json()["results"] if row["kind"] == "mf"]
    assert row["id"] == mf_version.pk
    assert row["status"] == "active"
    assert row["metrics"]["ndcg@10"] == mf_version.metrics["ndcg@10"]
    assert row["data_counts"] == {"users": 30, "items": 40, "interactions": 240}


def test_staff_retrain_dispatches_the_task_and_reports_where_it_stands(
    client_for, editor, mf_settings, clusters, django_capture_on_commit_callbacks
):
    # given: the request, not run yet (it runs once the request's transaction commits)
    client = client_for(editor)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        queued = client.post("/api/model-versions/retrain/")
    status_url = queued.json()["status_url"]
    before = client.get(status_url)

    # when: it runs (eagerly in tests)
    for callback in pending:
        callback()
    after = client.get(status_url)

    # then
    version = ModelVersion.objects.get(kind="mf")
    assert queued.status_code == 202
    assert {key: queued.json()[key] for key in ("state", "detail", "version")} == {
        "state": "queued",
        "detail": "Retraining queued.",
        "version": None,
    }
    assert status_url.endswith(f"/api/model-versions/retrain/{queued.json()['task_id']}/")
    assert before.json()["state"] == "queued"
    assert after.status_code == 200
    assert after.json()["state"] == "finished"
    assert after.json()["detail"] == f"Retraining finished: {version}."
    assert after.json()["version"]["id"] == version.pk
    assert version.status == "active"


@pytest.mark.django_db(transaction=True)
def test_a_retrain_that_finished_within_the_request_says_so(
    client_for, admin_user, mf_settings, clusters
):
    # given: autocommit, as a request runs, so eager tasks run before the answer is written
    # (a superuser: an earlier transactional test's flush removes the migration-made Editors group)

    # when
    response = client_for(admin_user).post("/api/model-versions/retrain/")

    # then: not "queued" for a retraining that is over
    version = ModelVersion.objects.get(kind="mf")
    assert response.status_code == 202
    assert response.json()["state"] == "finished"
    assert response.json()["detail"] == f"Retraining finished: {version}."
    assert response.json()["version"]["status"] == "active"


def test_staff_activate_and_rollback(
    client_for, editor, mf_version, settings, django_capture_on_commit_callbacks
):
    settings.RECSITE_ACTIVATION_TOLERANCE = -1.0
    client = client_for(editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/api/model-versions/retrain/")
    ready = ModelVersion.objects.get(kind="mf", status="ready")

    activated = client.post(f"/api/model-versions/{ready.pk}/activate/")
    rolled_back = client.post("/api/model-versions/rollback/", {"kind": "mf"}, format="json")

    assert activated.status_code == 200
    assert activated.json()["status"] == "active"
    assert activated.json()["activation_note"] == "Activated by eve_editor (API)."
    assert rolled_back.status_code == 200
    assert rolled_back.json()["id"] == mf_version.pk
    assert ModelVersion.objects.get(kind="mf", status="active") == mf_version


def test_activating_a_failed_version_is_a_400(client_for, editor, mf_version):
    failed = ModelVersionFactory(status=ModelVersion.Status.FAILED)

    response = client_for(editor).post(f"/api/model-versions/{failed.pk}/activate/")

    assert response.status_code == 400
    assert response.json() == {
        "status": [f"Only a ready version can be activated; v{failed.pk} is failed."]
    }
    assert ModelVersion.objects.get(kind="mf", status="active") == mf_version


def test_rollback_with_nothing_to_return_to_is_a_400(client_for, editor, mf_version):
    response = client_for(editor).post("/api/model-versions/rollback/")

    assert response.status_code == 400
    assert ModelVersion.objects.get(kind="mf", status="active") == mf_version


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/model-versions/"),
        ("post", "/api/model-versions/retrain/"),
        ("post", "/api/model-versions/{pk}/activate/"),
        ("post", "/api/model-versions/rollback/"),
    ],
)
def test_readers_cannot_touch_model_versions(
    client_for, reader, mf_version, settings, method, path
):
    settings.RECSITE_ACTIVATION_TOLERANCE = -1.0
    ready = ModelVersionFactory(metrics={"ndcg@10": 0.9})

    response = getattr(client_for(reader), method)(path.format(pk=ready.pk))

    assert response.status_code == 403
    assert list(ModelVersion.objects.filter(kind="mf").values_list("pk", "status")) == [
        (ready.pk, "ready"),
        (mf_version.pk, "active"),
    ]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/model-versions/", 200),
        ("get", "/api/model-versions/{pk}/", 200),
        ("post", "/api/model-versions/retrain/", 403),
        ("post", "/api/model-versions/{pk}/activate/", 403),
        ("post", "/api/model-versions/rollback/", 403),
    ],
)
def test_the_view_permission_alone_reads_model_versions_but_runs_no_action(
    client_for, reader, mf_version, settings, method, path, status
):
    # given: as in the admin, which lists the versions to such an account but offers no action
    settings.RECSITE_ACTIVATION_TOLERANCE = -1.0
    ready = ModelVersionFactory(metrics={"ndcg@10": 0.9})
    reader.user_permissions.add(Permission.objects.get(codename="view_modelversion"))

    # when
    response = getattr(client_for(reader), method)(path.format(pk=ready.pk))

    # then
    assert response.status_code == status
    assert list(ModelVersion.objects.filter(kind="mf").values_list("pk", "status")) == [
        (ready.pk, "ready"),
        (mf_version.pk, "active"),
    ]


def test_schema_documents_the_endpoints(api_client, db):
    response = api_client.get("/api/schema/", {"format": "json"})

    paths = response.json()["paths"]
    assert paths["/api/recommendations/"]["get"]["operationId"] == "recommendations_list"
    assert {
        "/api/model-versions/",
        "/api/model-versions/retrain/",
        "/api/model-versions/{id}/activate/",
        "/api/model-versions/rollback/",
    } <= set(paths)
