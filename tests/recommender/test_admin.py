"""Model versions in the admin: kind-specific, rounded figures and truthful notes in the list;
a version's page with its records as tables and Activate / Roll back buttons."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from recommender.models import ModelVersion
from recommender.training.registry import model_version_activate
from tests.factories import ModelVersionFactory, UserFactory

CHANGELIST = "/admin/recommender/modelversion/"
ACTIVE = ModelVersion.Status.ACTIVE
READY = ModelVersion.Status.READY


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


def row_of(content: str, version: ModelVersion) -> str:
    """The text of ``version``'s row in the changelist, tags removed."""
    rows = re.findall(r"<tr>.*?</tr>", content, re.S)
    row = next(row for row in rows if f">v{version.pk}</a>" in row)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()


@pytest.fixture
def versions(db):
    """One version of each kind, with what each kind's training really records."""
    started = timezone.now() - timedelta(days=1)
    return {
        "mf": ModelVersionFactory(
            kind="mf",
            status=ACTIVE,
            activated_at=started,
            activation_note="Activated automatically: validation ndcg@10 0.1235.",
            params={"factors": 64, "alpha": 40.0},
            metrics={"ndcg@10": 0.123456789, "recall@20": 0.234567891, "users_evaluated": 30},
            data_counts={"users": 30, "items": 40, "interactions": 240},
            train_seconds=5.3456,
        ),
        "hybrid": ModelVersionFactory(
            kind="hybrid",
            params={"features": ["mf", "content"], "mf_version": 1, "lm_version": 3, "pool": 30},
            metrics={"ndcg@10": 0.30112, "mf_ndcg@10": 0.28734, "weights": {"mf": 0.51234}},
            data_counts={"users": 30, "items": 40, "interactions": 240},
            activation_note="Not activated: not better than MF alone.",
        ),
        "lm": ModelVersionFactory(
            kind="lm",
            params={"layers": 2, "dim": 128},
            metrics={"ndcg@10": 0.0421777, "recall@20": 0.0512345, "epochs": 7},
            data_counts={"readers": 25, "articles": 40, "interactions": 2502, "held_out": 25},
        ),
        "encoder": ModelVersionFactory(
            kind="encoder",
            params={"encoder": "sentence-transformers/all-MiniLM-L6-v2", "dim": 384},
            data_counts={"articles": 12},
        ),
    }


def test_the_list_shows_what_each_kind_records_rounded(editor, versions):
    response = admin_client(editor).get(CHANGELIST)

    content = response.content.decode()
    assert response.status_code == 200
    assert row_of(content, versions["mf"]).startswith(
        f"v{versions['mf'].pk} Matrix factorisation Active 64 factors "
        "NDCG@10 0.123 · Recall@20 0.235 30 readers · 40 articles · 240 events 5.35"
    )
    assert "over MF v1 · with LM v3 · pool 30 NDCG@10 0.301 · MF alone 0.287" in row_of(
        content, versions["hybrid"]
    )
    assert (
        "2 layers × 128 NDCG@10 0.0422 · Recall@20 0.0512 "
        "25 readers · 40 articles · 2,502 events · 25 held out"
    ) in row_of(content, versions["lm"])
    assert "all-MiniLM-L6-v2 – 12 articles" in row_of(content, versions["encoder"])
    assert "0.123456789" not in content
    assert "?" not in row_of(content, versions["lm"])


def test_notes_say_what_happened_and_when(editor, versions):
    mf = versions["mf"]
    failed = ModelVersionFactory(
        status=ModelVersion.Status.FAILED, error="Traceback ...\nRuntimeError: CG diverged"
    )
    newer = ModelVersionFactory(kind="mf", status=READY)

    before = admin_client(editor).get(CHANGELIST).content.decode()
    model_version_activate(version=newer, note="Activated by eve (admin).")
    after = admin_client(editor).get(CHANGELIST).content.decode()

    since = f"{timezone.localtime(mf.activated_at):%Y-%m-%d %H:%M}"
    assert f"Active since {since}. Activated automatically" in row_of(before, mf)
    assert re.search(
        rf"Was active {since} – \d{{4}}-\d\d-\d\d \d\d:\d\d, replaced by v{newer.pk}\.",
        row_of(after, mf),
    )
    assert "Activated automatically" not in row_of(after, mf)
    assert "Active since" in row_of(after, newer)
    assert "Failed: RuntimeError: CG diverged" in row_of(after, failed)


def test_a_versions_page_shows_metrics_as_tables_without_a_save_button(editor, versions):
    mf = versions["mf"]
    mf.metrics = {
        **mf.metrics,
        "search": [
            {"factors": 32, "ndcg@10": 0.111111, "seconds": 1.23456},
            {"factors": 64, "ndcg@10": 0.123456789, "seconds": 2.5},
        ],
    }
    mf.save()

    page = admin_client(editor).get(f"{CHANGELIST}{mf.pk}/change/").content.decode()
    lm_page = admin_client(editor).get(f"{CHANGELIST}{versions['lm'].pk}/change/")

    assert "<th scope='row'>ndcg@10</th><td>0.123</td>" in page
    assert "<th scope='col'>factors</th><th scope='col'>ndcg@10</th>" in page
    assert "<td>32</td><td>0.111</td><td>1.23</td>" in page
    assert "0.123456789" not in page
    assert 'name="_save"' not in page and 'name="_continue"' not in page
    assert 'id="roll-back-version"' in page and 'id="activate-version"' not in page
    assert "Training search" not in lm_page.content.decode()
    assert "<th scope='row'>ndcg@10</th><td>0.0422</td>" in lm_page.content.decode()


def test_the_activate_button_activates_a_ready_version(editor, versions):
    mf = versions["mf"]
    ready = ModelVersionFactory(kind="mf", status=READY)
    client = admin_client(editor)
    page = client.get(f"{CHANGELIST}{ready.pk}/change/").content.decode()

    response = client.post(f"{CHANGELIST}{ready.pk}/activate/", follow=True)

    ready.refresh_from_db()
    mf.refresh_from_db()
    assert 'id="activate-version"' in page
    assert response.redirect_chain[-1][0] == f"{CHANGELIST}{ready.pk}/change/"
    assert messages_of(response) == [f"{ready} is now serving."]
    assert (ready.status, mf.status) == (ACTIVE, READY)
    assert ready.activation_note == "Activated by eve_editor (admin)."


def test_the_roll_back_button_serves_the_previous_version_again(editor, versions):
    mf = versions["mf"]
    newer = ModelVersionFactory(kind="mf", status=READY)
    model_version_activate(version=newer, note="by hand")

    response = admin_client(editor).post(f"{CHANGELIST}{newer.pk}/rollback/", follow=True)

    mf.refresh_from_db()
    newer.refresh_from_db()
    assert messages_of(response) == [f"Rolled back: {mf} is serving again."]
    assert (mf.status, newer.status) == (ACTIVE, READY)
    assert newer.activation_note.startswith(f"Rolled back to v{mf.pk} on ")


def test_buttons_need_post_csrf_and_the_change_permission(editor, versions):
    ready = ModelVersionFactory(kind="mf", status=READY)
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_modelversion"))
    csrf_checked = Client(enforce_csrf_checks=True)
    csrf_checked.force_login(editor)
    url = f"{CHANGELIST}{ready.pk}/activate/"

    by_get = admin_client(editor).get(url)
    without_token = csrf_checked.post(url)
    without_permission = admin_client(viewer).post(url)
    viewer_page = admin_client(viewer).get(f"{CHANGELIST}{ready.pk}/change/").content.decode()

    assert (by_get.status_code, without_token.status_code) == (405, 403)
    assert without_permission.status_code == 403
    assert 'id="activate-version"' not in viewer_page
    ready.refresh_from_db()
    assert ready.status == READY


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
