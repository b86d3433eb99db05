"""The recommender's admin, one module per concern: model versions (admin_versions), editors'
pins and boosts, explanations with their feedback, impressions and the dashboard, the outbox."""

from . import admin_boosts, admin_explanations, admin_outbox, admin_versions  # noqa: F401
