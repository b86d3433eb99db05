"""What finished background tasks returned, kept for a week under their task id: a second
delivery of the same task returns the first result instead of running again
(recommender.tasks), and the API reports a requested retraining's outcome from it."""

from django.core.cache import cache

from ..privacy import TASK_DONE

TASK_RESULT_TTL_SECONDS = 7 * 24 * 60 * 60


def _key(name: str, task_id: str) -> str:
    return TASK_DONE.key(name=f"{name}:{task_id}")


def task_result_get(*, name: str, task_id: str) -> dict | None:
    return cache.get(_key(name, task_id))


def task_result_set(*, name: str, task_id: str, result: dict) -> None:
    cache.set(_key(name, task_id), result, timeout=TASK_RESULT_TTL_SECONDS)
