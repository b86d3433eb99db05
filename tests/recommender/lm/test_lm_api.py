"""POST /api/recommend/ for a reader in a request experiment: their arm's LM answers (through
the inference queue); every other reader gets the request path (test_request_api.py)."""

import pytest
from django.urls import reverse

from recommender import tasks
from recommender.experiments.services import experiment_start
from recommender.models import Experiment, ExperimentArm, ModelVersion
from tests.factories import UserFactory

pytestmark = pytest.mark.filterwarnings("ignore:.*attention_mask.*")

URL = reverse("recommend-generate")


@pytest.fixture
def dispatched(monkeypatch):
    """Records every dispatch of the LM task (and still runs it)."""
    calls = []
    original = tasks.lm_recommend.apply_async

    def record(*args, **kwargs):
        calls.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(tasks.lm_recommend, "apply_async", record)
    return calls


def test_a_reader_in_a_request_experiment_gets_their_arms_lm(
    lm_version, library, client_for, dispatched
):
    other = ModelVersion.objects.create(
        kind=ModelVersion.Kind.LM,
        status=ModelVersion.Status.READY,
        artifact_path=lm_version.artifact_path,  # the same files: what is tested is the routing
    )
    experiment = Experiment.objects.create(
        name="LM against LM", surface=Experiment.Surface.REQUEST, method=Experiment.Method.AB
    )
    arms = [
        ExperimentArm.objects.create(experiment=experiment, label=label, model_version=version)
        for label, version in (("A", lm_version), ("B", other))
    ]
    experiment_start(experiment=experiment)
    reader = UserFactory()

    response = client_for(reader).post(URL, {"top_n": 2}, format="json")

    body = response.json()
    assert response.status_code == 200
    assert body["experiment"] == experiment.pk
    arm = next(arm for arm in arms if arm.label == body["arm"])
    assert dispatched[0]["kwargs"]["version"] == [arm.model_version_id, lm_version.artifact_path]
    assert body["model_version"] == arm.model_version_id
