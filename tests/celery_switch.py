"""Switching the Celery app of the tests from in-process tasks to a real broker and back."""

from recsite.celery import app as celery_app


def celery_with_broker(url: str):
    """Point the Celery app at ``url`` as broker and result backend with tasks no longer run
    in-process; returns a function that restores everything."""
    conf = celery_app.conf
    saved_conf = {key: conf[key] for key in ("task_always_eager", "broker_url", "result_backend")}
    saved = (
        celery_app._pool,
        celery_app._backend_cache,
        getattr(celery_app._local, "backend", None),
        celery_app.amqp._producer_pool,
    )
    conf.update(task_always_eager=False, broker_url=url, result_backend=url)
    celery_app._pool = celery_app.amqp._producer_pool = celery_app._backend_cache = None
    celery_app._local.backend = None

    def restore():
        conf.update(saved_conf)
        (
            celery_app._pool,
            celery_app._backend_cache,
            celery_app._local.backend,
            celery_app.amqp._producer_pool,
        ) = saved

    return restore
