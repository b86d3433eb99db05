import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from recommender.background import defer_work_after_responses

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recsite.settings.base")

application = get_wsgi_application()
# Without a broker (the embedded default) Celery runs tasks in this process: they run after the
# responses, on a background thread, instead of inside the requests that asked for them.
defer_work_after_responses(max_queued=settings.RECSITE_BACKGROUND_QUEUE_SIZE)
