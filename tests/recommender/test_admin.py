from django.contrib.messages import get_messages
from django.test import Client

from recommender.models import ModelVersion
from tests.factories import ModelVersionFactory

CHANGELIST = "/admin/recommender/modelversion/"


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def run_action(client, action, versions):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [version.pk for version in versions]},
        follow=True,
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_editors_see_versions_with_metrics_and_notes(editor, mf_version):
    failed = ModelVersionFactory(
        status=ModelVersion.Status.FAILED, error="Traceback ...\nRuntimeError: CG diverged"
    )

    response = admin_client(editor).get(CHANGELIST)

    content = response.content.decode()
    assert response.status_code == 200
    assert f"{mf_version.metrics['ndcg@10']:.4f}" in content
    assert "30 / 40 / 240" in content
    assert "Activated automatically: no active mf version" in content
    assert "RuntimeError: CG diverged" in content
    assert admin_client(editor).get(f"{CHANGELIST}{failed.pk}/change/").status_code == 200


def test_admin_activate_and_roll_back_actions(
    editor, mf_version, settings, django_capture_on_commit_callbacks
):
    settings.RECSITE_ACTIVATION_TOLERANCE = -1.0
    client = admin_client(editor)
    with django_capture_on_commit_callbacks(execute=True):  # queued through the outbox
        run_action(client, "retrain", [mf_version])
    ready = ModelVersion.objects.get(kind="mf", status="ready")

    activated = run_action(client, "activate", [ready])
    ready.refresh_from_db()
    assert ready.status == "active"
    rolled_back = run_action(client, "rollback", [ready])

    mf_version.refresh_from_db()
    assert messages_of(activated)[-1] == f"{ready} is now serving."
    assert messages_of(rolled_back)[-1] == f"Rolled back: {mf_version} is serving again."
    assert mf_version.status == "active"


def test_admin_refuses_to_activate_a_failed_version(editor, mf_version):
    failed = ModelVersionFactory(status=ModelVersion.Status.FAILED)

    response = run_action(admin_client(editor), "activate", [failed])

    assert messages_of(response) == [
        f"Only a ready version can be activated; v{failed.pk} is failed."
    ]
    failed.refresh_from_db()
    mf_version.refresh_from_db()
    assert (failed.status, mf_version.status) == ("failed", "active")
