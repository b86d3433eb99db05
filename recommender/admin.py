"""The recommender's admin, one module per concern: model versions (admin_versions), editors'
pins and boosts, experiments, explanations with their feedback, impressions and the dashboard,
the outbox, and the reader figures added to the article admin (admin_articles)."""

from . import (  # noqa: F401
    admin_articles,
    admin_boosts,
    admin_experiments,
    admin_explanations,
    admin_outbox,
    admin_versions,
)
