"""The whole retraining pipeline on citeulike-a, live (issue 4): PostgreSQL, the real commands.

Over the serving benchmark's deployment (citeulike-a imported and embedded; the first run of
either benchmark prepares it), one stage after another, each timed:

1. ``embed_articles``: every article's embedding is already cached, so this checks 16,980 text
   hashes and embeds nothing;
2. ``train_lm --sync`` within ``RECSITE_LM_TIME_BUDGET_SECONDS`` (default 300 s), validation
   included: first, because the hybrid is fitted with the active LM (as ``make demo`` does);
3. ``retrain --sync``: MF and its model search (load, fit on the validation split, validate,
   fit on all the data), the text adapter, then the hybrid with the LM feature (weights,
   keep-or-drop of the LM, validation against MF, refit); its own stage times are printed by
   the command;
4. every reader's list refreshed (``refresh_user_lists`` over all readers, in this process: what
   the workers' ``refresh_all_lists`` fans out).

Bar: the total <= 15 minutes. Writes benchmarks/results/pipeline.json.

    .venv/bin/python benchmarks/pipeline.py [--lm-seconds 300]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _data  # noqa: E402
import _server  # noqa: E402

BAR_SECONDS = 15 * 60


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _server.deployment_options(parser)
    parser.add_argument("--lm-seconds", type=int, default=300, help="the LM's time budget")
    _data.data_option(parser)
    args = parser.parse_args()
    if (citeulike := _data.citeulike(args.data)) is None:
        return 2
    machine = _server.machine()
    env, data = _server.deployment_open(
        args, citeulike=citeulike, RECSITE_LM_TIME_BUDGET_SECONDS=str(args.lm_seconds)
    )

    stages = {}
    for name, command in (
        ("embeddings (cached)", ["embed_articles"]),
        ("LM (train_lm --sync)", ["train_lm", "--sync"]),
        ("MF, adapter and hybrid with the LM (retrain --sync)", ["retrain", "--sync"]),
    ):
        started = time.perf_counter()
        _server.manage(env, *command)
        stages[name] = time.perf_counter() - started
    started = time.perf_counter()
    readers = refresh_every_list()
    stages[f"lists of all {readers} readers"] = time.perf_counter() - started
    total = sum(stages.values())

    print()
    for name, seconds in stages.items():
        print(f"{name:45s}{seconds:8.1f} s")
    print(f"{'total':45s}{total:8.1f} s (bar {BAR_SECONDS} s)")
    bar_met = total <= BAR_SECONDS
    _server.report_write(
        "pipeline",
        machine=machine,
        data=data,
        lm_time_budget_seconds=args.lm_seconds,
        stages_seconds=stages,
        total_seconds=total,
        bar_seconds=BAR_SECONDS,
        bar_met=bar_met,
        versions=versions_trained(),
    )
    return 0 if bar_met else 1


def refresh_every_list() -> int:
    from django.contrib.auth import get_user_model

    from recommender.tasks import refresh_user_lists

    user_ids = list(get_user_model().objects.filter(is_active=True).values_list("pk", flat=True))
    return sum(refresh_user_lists(batch) for batch in _server.iter_chunks(user_ids, 500))


def versions_trained() -> list[dict]:
    """The newest MF, hybrid and LM versions: status, validation metrics, training time."""
    from recommender.models import ModelVersion

    newest = []
    for kind in (ModelVersion.Kind.MF, ModelVersion.Kind.HYBRID, ModelVersion.Kind.LM):
        version = ModelVersion.objects.filter(kind=kind).order_by("-pk").first()
        if version is not None:
            newest.append(
                {
                    "id": version.pk,
                    "kind": kind,
                    "status": version.status,
                    "train_seconds": version.train_seconds,
                    "metrics": version.metrics,
                    "activation_note": version.activation_note,
                }
            )
    return newest


if __name__ == "__main__":
    sys.exit(main())
