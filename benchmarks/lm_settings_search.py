"""The sequence LM's settings search (issue 12), on validation carved from training only.

The split is the next-article benchmark's (benchmarks/lm_next_article.py): each MovieLens 100K
reader's last rating is the test item, and this script never reads it. The LM is fitted on the
rest, where its trainer holds each reader's last training item (their second-to-last rating)
out for early stopping; that item's NDCG@10 at the best epoch is the figure settings are
compared by. One setting per run (``--set name=value`` over SequenceLM's defaults); each run
appends a line to benchmarks/results/lm_settings_search.jsonl.

    nice -n 5 .venv/bin/python benchmarks/lm_settings_search.py --set max_length=200 \\
        --set dropout=0.5 [--lm-seconds 1500] [--cache-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT / "benchmarks" / "results" / "lm_settings_search.jsonl"
sys.path.insert(0, str(ROOT))

from benchmarks._data import data_option, text_embeddings  # noqa: E402
from benchmarks.lm_next_article import next_article_split  # noqa: E402
from recommender.ml.lm.model import SequenceLM  # noqa: E402


def setting(text: str) -> tuple[str, object]:
    """``name=value``, the value read as JSON (``0.5``, ``true``, ``200``)."""
    name, _, value = text.partition("=")
    return name, json.loads(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data_option(parser)
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "var" / "cache" / "embeddings")
    parser.add_argument("--lm-seconds", type=float, default=1500.0, help="LM time budget")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--lm-dir",
        type=Path,
        help="save the fitted LM here (lm_next_article.py --lm-dir reuses it)",
    )
    parser.add_argument("--set", type=setting, action="append", default=[], dest="settings")
    args = parser.parse_args()
    directory = args.data / "ml-100k"
    if not (directory / "u.data").is_file():
        print(f"MovieLens 100K not found at {directory} (set --data): nothing measured.")
        return 0
    dataset, _matrix, train, _test, train_orders = next_article_split(directory)
    overrides = dict(args.settings)
    lm = SequenceLM(
        text_embeddings(dataset.articles, args.cache_dir),
        **{"time_budget_s": args.lm_seconds, **overrides},
        threads=args.threads,
    )
    epochs: list[dict[str, float]] = []

    def progress(p) -> None:
        epochs.append(
            {"epoch": p.epoch, "seconds": round(p.elapsed_s, 1), "ndcg@10_val": p.ndcg_val}
        )
        print(
            f"  epoch {p.epoch} ({p.elapsed_s:.0f} s): loss {p.loss:.3f}, "
            f"validation NDCG@10 {p.ndcg_val:.4f}",
            flush=True,
        )

    lm.fit(train, histories=train_orders, callback=progress)
    if args.lm_dir is not None:
        args.lm_dir.mkdir(parents=True, exist_ok=True)
        lm.save(args.lm_dir)
    record = {
        "overrides": overrides,
        "params": lm.params,
        "validation": lm.validation,
        "train_seconds": round(lm.train_seconds, 1),
        "epochs": epochs,
    }
    with LOG.open("a", encoding="utf-8") as log:
        log.write(json.dumps(record) + "\n")
    print(json.dumps(record["validation"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
