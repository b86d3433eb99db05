# One image for every process of the platform: web (gunicorn), worker and beat (celery).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=recsite.settings.production \
    RECSITE_ARTIFACT_DIR=/artifacts \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1

WORKDIR /app

# The CPU-only torch wheels: PyPI's default Linux build pulls several GB of CUDA libraries.
ARG PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu
COPY requirements.txt .
RUN pip install --extra-index-url "$PIP_EXTRA_INDEX_URL" -r requirements.txt

COPY . .

# collectstatic only reads settings; these placeholder values exist for this build step alone
# and never reach the running containers.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-secret \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/collectstatic.sqlite3 \
    REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput

# Run as an unprivileged user; /artifacts is created here owned by it, so a fresh named volume
# mounted there is writable by the workers.
RUN useradd --create-home --uid 10001 recsite \
    && mkdir -p /artifacts \
    && chown recsite:recsite /artifacts
USER recsite

EXPOSE 8000
# Worker count comes from WEB_CONCURRENCY (read by gunicorn itself).
CMD ["gunicorn", "recsite.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
