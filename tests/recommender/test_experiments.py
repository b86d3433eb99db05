"""Online experiments (issue 15): assignment, serving arms and interleaved lists, recording and
crediting clicks, pinned arms, one running experiment per surface, the winner, the admin."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from articles.models import Interaction
from recommender import dashboard
from recommender.cache.experiments import ArmRef, RunningExperiment
from recommender.experiments.services import (
    experiment_start,
    experiment_stop,
    experiment_winner_activate,
)
from recommender.explaining.cards import explained_cards
from recommender.models import Experiment, ExperimentArm, ModelVersion, RecommendationImpression
from recommender.ranking.experiments import reader_assignment
from recommender.ranking.serving import recommendations_for_user
from recommender.runtime.artifacts import artifact_directory
from recommender.training.lifecycle import model_versions_prune
from recommender.training.mf import model_version_train_mf
from tests.factories import InteractionFactory, UserFactory

URL = "/api/recommendations/"


def arm_ref(pk: int, label: str) -> ArmRef:
    return ArmRef(pk, label, "", pk, "mf", pk, "", "")


def running(method: str, share: float) -> RunningExperiment:
    return RunningExperiment(7, method, share, (arm_ref(1, "A"), arm_ref(2, "B")))


@pytest.fixture
def two_versions(mf_version):
    """(the first MF version, now ready; a second one, active), trained on the same data."""
    second = model_version_train_mf()
    mf_version.refresh_from_db()
    assert second.status == ModelVersion.Status.ACTIVE
    return mf_version, second


def experiment_of(versions, *, method=Experiment.Method.INTERLEAVING, share=1.0, start=True):
    experiment = Experiment.objects.create(
        name="old against new",
        surface=Experiment.Surface.LIST,
        method=method,
        traffic_share=share,
        guardrails=[Experiment.Metric.DISLIKES],
    )
    for label, version in zip("AB", versions, strict=False):
        ExperimentArm.objects.create(experiment=experiment, label=label, model_version=version)
    if start:
        experiment = experiment_start(experiment=experiment)
    return experiment


def history(reader, articles):
    for article in articles:
        InteractionFactory(user=reader, article=article, event=Interaction.Event.READ)


def test_assignment_is_stable_and_respects_the_share():
    experiment = running(Experiment.Method.AB, 0.3)

    first = [reader_assignment(experiment=experiment, user_id=pk) for pk in range(4000)]
    again = [reader_assignment(experiment=experiment, user_id=pk) for pk in range(4000)]

    assert first == again
    inside = [assignment for assignment in first if assignment is not None]
    assert 0.27 < len(inside) / 4000 < 0.33
    to_a = sum(assignment.arm.label == "A" for assignment in inside)
    assert 0.45 < to_a / len(inside) < 0.55


def test_interleaving_readers_see_no_single_arm_and_a_share_of_zero_point_one_leaves_most_out():
    experiment = running(Experiment.Method.INTERLEAVING, 0.1)

    assignments = [reader_assignment(experiment=experiment, user_id=pk) for pk in range(2000)]

    inside = [assignment for assignment in assignments if assignment is not None]
    assert 0.08 < len(inside) / 2000 < 0.12
    assert all(assignment.arm is None for assignment in inside)


def test_ab_reader_is_served_their_arms_version(two_versions, clusters, reader):
    first, second = two_versions
    history(reader, clusters.a[:3])
    experiment = experiment_of([first, second], method=Experiment.Method.AB)
    assignment = reader_assignment(
        experiment=RunningExperiment(
            experiment.pk,
            "ab",
            1.0,
            tuple(arm_ref(arm.model_version_id, arm.label) for arm in experiment.arms.all()),
        ),
        user_id=reader.pk,
    )

    result = recommendations_for_user(user=reader, n=5)

    assert result.experiment_id == experiment.pk
    assert result.model_version_id == assignment.arm.version_id
    assert {item.arm.label for item in result.items} == {assignment.arm.label}


def test_readers_outside_the_share_get_the_active_version(two_versions, clusters, reader):
    first, second = two_versions
    history(reader, clusters.a[:3])
    experiment = experiment_of([first, second], share=1e-9)

    result = recommendations_for_user(user=reader, n=5)

    assert result.experiment_id is None
    assert result.model_version_id == second.pk
    assert all(item.arm is None for item in result.items)
    assert experiment.state == Experiment.State.RUNNING


def test_interleaved_page_records_each_cards_contributing_arm(two_versions, clusters, reader):
    first, second = two_versions
    history(reader, clusters.a[:3])
    experiment = experiment_of([first, second])
    arms = {arm.pk: arm for arm in experiment.arms.all()}

    batch = explained_cards(user=reader, n=10)
    result, cards = batch.result, batch.cards

    rows = list(RecommendationImpression.objects.filter(user=reader).order_by("position"))
    assert [row.article_id for row in rows] == [card["article"]["id"] for card in cards]
    assert {row.experiment_id for row in rows} == {experiment.pk}
    assert {row.arm_id for row in rows} == set(arms)  # both arms contributed
    for row, item in zip(rows, result.items, strict=True):
        assert item.arm.id == row.arm_id
        assert row.model_version_id == arms[row.arm_id].model_version_id
    # Team draft: the arms take turns, so neither is more than one card ahead.
    counts = [sum(row.arm_id == pk for row in rows) for pk in arms]
    assert abs(counts[0] - counts[1]) <= 1


def test_a_click_credits_the_arm_that_contributed_the_card(two_versions, clusters, reader):
    first, second = two_versions
    history(reader, clusters.a[:3])
    experiment = experiment_of([first, second])
    cards = explained_cards(user=reader, n=10).cards
    clicked = RecommendationImpression.objects.get(pk=cards[0]["impression"])
    client = Client()
    client.force_login(reader)

    response = client.get(f"{cards[0]['article']['url']}?rec={clicked.pk}")

    assert response.status_code == 200
    results = dashboard.experiment_results(experiment=experiment)
    clicks = {row["arm"].pk: row["primary"]["successes"] for row in results["arms"]}
    assert clicks == {arm.pk: int(arm.pk == clicked.arm_id) for arm in experiment.arms.all()}
    won = [arm.pk == clicked.arm_id for arm in experiment.arms.order_by("pk")]
    assert results["wins"] == (int(won[0]), int(won[1]))
    assert results["verdict"] == "Not enough data yet."


def test_only_one_experiment_runs_per_surface(two_versions):
    running_one = experiment_of(two_versions)
    second = experiment_of(two_versions, start=False)

    with pytest.raises(ValidationError) as refused:
        experiment_start(experiment=second)

    assert refused.value.message_dict == {
        "surface": ["Another experiment is running on this surface."]
    }
    second.refresh_from_db()
    assert second.state == Experiment.State.DRAFT
    with pytest.raises(IntegrityError), transaction.atomic():
        Experiment.objects.filter(pk=second.pk).update(state=Experiment.State.RUNNING)
    assert running_one.state == Experiment.State.RUNNING


def test_a_design_that_cannot_run_is_refused_with_field_messages(two_versions):
    first, _ = two_versions
    experiment = experiment_of([first], start=False)

    with pytest.raises(ValidationError) as refused:
        experiment_start(experiment=experiment)

    assert refused.value.message_dict == {"arms": ["An experiment needs at least two arms."]}
    experiment.refresh_from_db()
    assert experiment.state == Experiment.State.DRAFT


def test_pinned_arms_survive_automatic_activation_and_pruning(two_versions, settings):
    first, second = two_versions
    experiment_of([first, second])
    settings.RECSITE_KEEP_VERSIONS = 1

    third = model_version_train_mf()
    model_versions_prune(kind=ModelVersion.Kind.MF)

    third.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert third.status == ModelVersion.Status.READY
    assert "arm of a running experiment" in third.activation_note
    assert second.status == ModelVersion.Status.ACTIVE
    assert first.status == ModelVersion.Status.READY
    assert artifact_directory(first.artifact_path).is_dir()


def test_making_the_winner_active_stops_the_experiment(two_versions):
    first, second = two_versions
    experiment = experiment_of([first, second])
    winner = experiment.arms.get(label="A")

    version = experiment_winner_activate(arm=winner, editor="eve")

    experiment.refresh_from_db()
    first.refresh_from_db()
    assert version.pk == first.pk
    assert first.status == ModelVersion.Status.ACTIVE
    assert experiment.state == Experiment.State.STOPPED
    assert experiment.stopped_at is not None


def test_cached_pages_follow_the_experiment(
    two_versions, clusters, reader, client_for, django_capture_on_commit_callbacks
):
    first, second = two_versions
    history(reader, clusters.a[:3])
    client = client_for(reader)
    before = client.get(URL, {"n": 5}).json()
    with django_capture_on_commit_callbacks(execute=True):
        experiment = experiment_of([first, second])

    during = client.get(URL, {"n": 5}).json()
    again = client.get(URL, {"n": 5}).json()
    with django_capture_on_commit_callbacks(execute=True):
        experiment_stop(experiment=experiment)
    after = client.get(URL, {"n": 5}).json()

    assert before["experiment"] is None
    assert during == again
    assert during["experiment"] == experiment.pk
    assert {item["arm"] for item in during["results"]} <= {"A", "B"}
    assert after == before


def test_editors_start_stop_and_read_an_experiment_in_the_admin(two_versions, editor):
    experiment = experiment_of(two_versions, start=False)
    client = Client()
    client.force_login(editor)
    base = f"/admin/recommender/experiment/{experiment.pk}"

    started = client.post(f"/admin/recommender/experiment/{experiment.pk}/state/start/")
    experiment.refresh_from_db()
    page = client.get(f"{base}/change/")
    stopped = client.post(f"/admin/recommender/experiment/{experiment.pk}/state/stop/")

    assert started.status_code == 302
    assert experiment.state == Experiment.State.RUNNING
    assert page.status_code == 200
    assert "Not enough data yet." in page.content.decode()
    assert stopped.status_code == 302
    experiment.refresh_from_db()
    assert experiment.state == Experiment.State.STOPPED


def test_readers_cannot_start_experiments(two_versions):
    experiment = experiment_of(two_versions, start=False)
    client = Client()
    client.force_login(UserFactory())

    response = client.post(f"/admin/recommender/experiment/{experiment.pk}/state/start/")

    experiment.refresh_from_db()
    assert response.status_code == 302  # to the admin's login page
    assert experiment.state == Experiment.State.DRAFT


def test_a_style_experiment_words_the_readers_cards_in_their_arms_style(
    mf_version, clusters, reader, django_capture_on_commit_callbacks
):
    history(reader, clusters.a[:3])
    explained_cards(user=reader, n=5)  # explanations stored and cached before it starts
    experiment = Experiment.objects.create(
        name="topics against history",
        surface=Experiment.Surface.STYLE,
        method=Experiment.Method.AB,
        primary_metric=Experiment.Metric.THUMBS_UP,
    )
    for label, style in (("topics", "topic_match"), ("history", "because_you_read")):
        ExperimentArm.objects.create(experiment=experiment, label=label, style=style)
    with django_capture_on_commit_callbacks(execute=True):
        experiment_start(experiment=experiment)
    arm = reader_assignment(
        experiment=RunningExperiment(
            experiment.pk,
            "ab",
            1.0,
            tuple(
                ArmRef(arm.pk, arm.label, arm.style, None, None, None, None, None)
                for arm in experiment.arms.order_by("pk")
            ),
        ),
        user_id=reader.pk,
    ).arm

    cards = explained_cards(user=reader, n=5).cards

    # The top card is worded in the arm's style; later ones may take their next-best true reason
    # (the feed never shows one reason twice on a page).
    assert cards[0]["explanation"]["style"] == arm.style
    shown = RecommendationImpression.objects.filter(user=reader, experiment=experiment)
    assert shown.count() == 5
    assert set(shown.values_list("arm_id", flat=True)) == {arm.id}
