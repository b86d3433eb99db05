"""The editors' dashboard: how readers receive recommendations and their explanations.

Reads (``*_series``, ``approval_by_style``) return plain data; ``chart_svg`` draws one series as
an SVG with matplotlib's Agg backend, server-side. matplotlib is imported inside ``chart_svg``
only, so web processes that never open the dashboard never load it.
"""

import io
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.models import Interaction
from recommender.ml.experiments import interleaving, sequential

from .models import (
    Experiment,
    Explanation,
    ExplanationFeedback,
    ModelVersion,
    RecommendationImpression,
)

DAYS = 30
WEEKS = 12


def _days(days: int) -> list[date]:
    today = timezone.localdate()
    return [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def interactions_per_day(*, days: int = DAYS) -> tuple[list[date], dict[str, list[int]]]:
    """(days, event -> count per day) over the last ``days`` days."""
    axis = _days(days)
    rows = (
        Interaction.objects.filter(created_at__date__gte=axis[0])
        .annotate(day=TruncDate("created_at"))
        .values("day", "event")
        .annotate(n=Count("id"))
    )
    series: dict[str, list[int]] = {}
    for row in rows:
        counts = series.setdefault(row["event"], [0] * len(axis))
        counts[axis.index(row["day"])] += row["n"]
    return axis, dict(sorted(series.items()))


def click_through_per_day(*, days: int = DAYS) -> tuple[list[date], dict[str, list[float | None]]]:
    """(days, surface -> clicked / shown per day; None on days without impressions)."""
    axis = _days(days)
    rows = (
        RecommendationImpression.objects.filter(created_at__date__gte=axis[0])
        .annotate(day=TruncDate("created_at"))
        .values("day", "surface")
        .annotate(shown=Count("id"), clicked=Count("id", filter=Q(clicked_at__isnull=False)))
    )
    series: dict[str, list[float | None]] = {}
    for row in rows:
        rates = series.setdefault(row["surface"], [None] * len(axis))
        rates[axis.index(row["day"])] = row["clicked"] / row["shown"]
    return axis, series


def approval_by_style() -> list[dict]:
    """Per style: explanations shown, thumbs up / down, approval rate (up / votes)."""
    shown = dict(
        Explanation.objects.values("style").annotate(n=Count("id")).values_list("style", "n")
    )
    votes: dict[str, Any] = {
        row["explanation__style"]: row
        for row in ExplanationFeedback.objects.values("explanation__style").annotate(
            up=Count("id", filter=Q(vote=1)), down=Count("id", filter=Q(vote=-1))
        )
    }
    table = []
    for style, label in Explanation.Style.choices:
        up = votes.get(style, {}).get("up", 0)
        down = votes.get(style, {}).get("down", 0)
        table.append(
            {
                "style": style,
                "label": label,
                "shown": shown.get(style, 0),
                "up": up,
                "down": down,
                "approval": up / (up + down) if up + down else None,
            }
        )
    return table


def approval_per_week(*, weeks: int = WEEKS) -> tuple[list[date], dict[str, list[float | None]]]:
    """(week starts, style -> share of thumbs-up among that week's votes; None without votes)."""
    since = timezone.now() - timedelta(weeks=weeks)
    rows = (
        ExplanationFeedback.objects.filter(created_at__gte=since)
        .annotate(week=TruncWeek("created_at"))
        .values("week", "explanation__style")
        .annotate(up=Count("id", filter=Q(vote=1)), votes=Count("id"))
        .order_by("week")
    )
    axis = sorted({_as_date(row["week"]) for row in rows})
    series: dict[str, list[float | None]] = {}
    for row in rows:
        rates = series.setdefault(row["explanation__style"], [None] * len(axis))
        rates[axis.index(_as_date(row["week"]))] = row["up"] / row["votes"]
    return axis, series


def _as_date(value) -> date:
    return value.date() if hasattr(value, "date") else value


def metrics_across_versions(
    *, names: tuple[str, ...] = ("ndcg@10", "recall@20")
) -> tuple[list[str], dict[str, list[float | None]]]:
    """(version labels, metric -> value per version), oldest first, versions with metrics."""
    versions = [
        version
        for version in ModelVersion.objects.exclude(metrics={}).order_by("created_at", "id")
        if version.metrics
    ]
    labels = [f"{version.kind} v{version.pk}" for version in versions]
    return labels, {name: [version.metrics.get(name) for version in versions] for name in names}


# --------------------------------------------------------------------------- experiments

Metric = Experiment.Metric
# The reader's own event on the recommended article after the card was shown.
METRIC_EVENTS = {
    Metric.READS: Interaction.Event.READ,
    Metric.LIKES: Interaction.Event.LIKE,
    Metric.DISLIKES: Interaction.Event.DISLIKE,
}


def experiments_current() -> QuerySet[Experiment]:
    """Running and paused experiments, the running ones first."""
    states = [Experiment.State.RUNNING, Experiment.State.PAUSED]
    return Experiment.objects.filter(state__in=states).order_by("-state", "-started_at")


def _with_outcomes(impressions: QuerySet[RecommendationImpression]) -> QuerySet:
    """Impressions annotated with one boolean per metric (``voted`` for thumbs' trials)."""
    annotations: dict[str, Any] = {
        metric: Exists(
            Interaction.objects.filter(
                user_id=OuterRef("user_id"),
                article_id=OuterRef("article_id"),
                event=event,
                created_at__gte=OuterRef("created_at"),
            )
        )
        for metric, event in METRIC_EVENTS.items()
    }
    votes = ExplanationFeedback.objects.filter(
        explanation_id=OuterRef("explanation_id"), user_id=OuterRef("user_id")
    )
    annotations[Metric.THUMBS_UP] = Exists(votes.filter(vote=1))
    annotations["voted"] = Exists(votes)
    return impressions.annotate(**annotations)


def _success(metric: str) -> Q:
    return Q(clicked_at__isnull=False) if metric == Metric.CLICK_THROUGH else Q(**{metric: True})


def _trial(metric: str) -> Q:
    """What a rate is out of: shown cards, or for the thumbs-up rate the cards voted on."""
    return Q(voted=True) if metric == Metric.THUMBS_UP else Q()


def experiment_results(*, experiment: Experiment) -> dict:
    """The experiment's results so far: per arm and metric (primary first, then guardrails)
    successes, trials, rate and its 95 % Wilson interval; and the always-valid decision on the
    primary metric (recommender.ml.experiments.sequential, safe to look at every day) in plain
    words. Interleaving decides on per-impression wins: the arm credited with more clicks (or
    reads, likes...) on one shown page wins that impression."""
    arms = list(experiment.arms.order_by("pk"))
    metrics = [experiment.primary_metric] + [
        metric for metric in experiment.guardrails if metric != experiment.primary_metric
    ]
    shown = _with_outcomes(RecommendationImpression.objects.filter(experiment=experiment))
    counts = {
        row["arm"]: row
        for row in shown.values("arm").annotate(
            **{
                f"{metric}_successes": Count("id", filter=_success(metric) & _trial(metric))
                for metric in metrics
            },
            **{f"{metric}_trials": Count("id", filter=_trial(metric)) for metric in metrics},
        )
    }
    rows: list[dict[str, Any]] = []
    for arm in arms:
        found = counts.get(arm.pk, {})
        rates: dict[str, dict[str, Any]] = {}
        for metric in metrics:
            successes = found.get(f"{metric}_successes", 0)
            trials = found.get(f"{metric}_trials", 0)
            rates[metric] = {
                "successes": successes,
                "trials": trials,
                "rate": successes / trials if trials else None,
                "interval": sequential.rate_interval(successes, trials),
            }
        rows.append({"arm": arm, "metrics": rates, "primary": rates[experiment.primary_metric]})
    decision: sequential.Decision | None
    wins: tuple[int, int] | None = None
    if experiment.method == Experiment.Method.INTERLEAVING and len(arms) == 2:
        wins = _interleaving_wins(shown, arms, experiment.primary_metric)
        decision = sequential.interleaving_decision(*wins)
    else:
        primary = [row["primary"] for row in rows]
        trials = [rate["trials"] for rate in primary]
        decision = (
            sequential.ab_decision([rate["successes"] for rate in primary], trials)
            if len(arms) >= 2 and all(trials)
            else None
        )
    return {
        "metrics": metrics,
        "arms": rows,
        "wins": wins,
        "decision": decision,
        "verdict": _verdict(decision, arms, experiment.primary_metric),
    }


def _interleaving_wins(shown: QuerySet, arms: list, metric: str) -> tuple[int, int]:
    """Impressions (one page shown to one reader at one time) won by each of the two arms."""
    pages = shown.values("user_id", "created_at").annotate(
        **{
            f"arm{index}": Count("id", filter=_success(metric) & _trial(metric) & Q(arm=arm))
            for index, arm in enumerate(arms)
        }
    )
    wins = [0, 0]
    for page in pages:
        winner = interleaving.impression_winner([page["arm0"], page["arm1"]])
        if winner is not None:
            wins[winner] += 1
    return wins[0], wins[1]


def _verdict(decision: sequential.Decision | None, arms: list, metric: str) -> str:
    if decision is None or decision.state == "insufficient":
        return _("Not enough data yet.")
    if decision.state == "no_difference":
        return _("No difference detectable.")
    assert decision.winner is not None, "a 'better' decision names its winner"
    return _("%(arm)s is better on %(metric)s.") % {
        "arm": arms[decision.winner].label,
        "metric": Metric(metric).label,
    }


def chart_svg(
    *, title: str, x: list, series: dict[str, list], ylabel: str, percent: bool = False
) -> str:
    """One line chart as an SVG document (text); an empty chart says "no data yet"."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    figure = Figure(figsize=(7, 2.8), dpi=100)
    axes = figure.subplots()
    labels = [str(value) for value in x]
    for name, values in series.items():
        points = [(position, value) for position, value in enumerate(values) if value is not None]
        if points:
            axes.plot(*zip(*points, strict=True), marker="o", markersize=3, label=name)
    if not any(value is not None for values in series.values() for value in values):
        axes.text(0.5, 0.5, "no data yet", ha="center", va="center", transform=axes.transAxes)
    axes.set_title(title, fontsize=11)
    axes.set_ylabel(ylabel)
    if percent:
        axes.yaxis.set_major_formatter(PercentFormatter(1.0))
    if labels:
        step = max(1, len(labels) // 8)
        ticks = list(range(0, len(labels), step))
        axes.set_xticks(ticks, [labels[tick] for tick in ticks], fontsize=7, rotation=30)
    if series:
        axes.legend(fontsize=7, loc="best")
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    svg = buffer.getvalue()
    # The XML prolog and doctype are not allowed inside HTML; the <svg> element is.
    return svg[svg.index("<svg") :]
