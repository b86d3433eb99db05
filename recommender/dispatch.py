"""Background work requested by task name, through the outbox (recommender.outbox).

Services, receivers, the admin and the API ask for work here instead of importing
recommender.tasks, which imports the services: requests go one way, no import cycle remains.
The names are those of the ``@shared_task(name=...)`` declarations in recommender.tasks.
"""

from .outbox import task_enqueue

RETRAIN = "recommender.retrain"
REFRESH_USER_LISTS = "recommender.refresh_user_lists"
EMBED_ARTICLES = "recommender.embed_articles"
EMBED_SEARCHES = "recommender.embed_searches"
MINE_READER_PHRASES = "recommender.mine_reader_phrases"


def task_dispatch(name: str, *, args: list | None = None, kwargs: dict | None = None) -> str:
    """Run task ``name`` once the current transaction commits; returns the id it will run
    under. Never raises for a dead broker (the outbox keeps the request)."""
    return task_enqueue(task=name, args=args, kwargs=kwargs)
