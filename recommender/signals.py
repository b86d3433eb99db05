"""Signals ``recommender`` sends for whoever wants to follow its background work.

``retrain_stage_done`` is sent with ``stage`` (a name of recommender.training.mf.STAGES)
after each stage of a retraining task. Nothing in the application listens: it exists so that a
test worker (tests/hardening/worker_app.py) can pause there and be killed mid-training, without
a test-only setting in production code.
"""

from django.dispatch import Signal

retrain_stage_done = Signal()
