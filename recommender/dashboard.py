"""The editors' dashboard: how readers receive recommendations and their explanations.

Reads (``*_per_day``, ``*_per_week``, ``approval_by_style``, ``metric_by_kind``) return plain
data; rates come as ``Rate`` (successes of trials, with a 95 % Wilson interval) so that a chart
shows how much each point rests on. ``chart_svg`` and ``rate_chart_svg`` draw with matplotlib's
Agg backend, server-side, every y axis from 0. matplotlib is imported inside them only, so web
processes that never open the dashboard never load it.
"""

import io
import warnings
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Rate:
    """``hits`` of ``trials`` (trials > 0), with the Wilson score interval (Wilson 1927), which
    stays inside [0, 1] and stays honest for the small counts a new site has."""

    hits: int
    trials: int

    @property
    def value(self) -> float:
        return self.hits / self.trials

    @property
    def interval(self) -> tuple[float, float]:
        return sequential.rate_interval(self.hits, self.trials)


def _days(days: int) -> list[date]:
    today = timezone.localdate()
    return [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def _weeks(weeks: int) -> list[date]:
    """Week starts (Mondays, as TruncWeek), oldest first, this week last."""
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    return [monday - timedelta(weeks=offset) for offset in range(weeks - 1, -1, -1)]


def _as_date(value: Any) -> date:
    return value.date() if hasattr(value, "date") else value


def interactions_per_day(*, days: int = DAYS) -> tuple[list[date], dict[str, list[int]]]:
    """(days, event in words -> count per day) over the last ``days`` days."""
    axis = _days(days)
    rows = (
        Interaction.objects.filter(created_at__date__gte=axis[0])
        .annotate(day=TruncDate("created_at"))
        .values("day", "event")
        .annotate(n=Count("id"))
    )
    series: dict[str, list[int]] = {}
    for row in rows:
        label = str(Interaction.Event(row["event"]).label)
        counts = series.setdefault(label, [0] * len(axis))
        counts[axis.index(row["day"])] += row["n"]
    return axis, dict(sorted(series.items()))


def click_through_per_week(
    *, weeks: int = WEEKS
) -> tuple[list[date], dict[str, list[Rate | None]]]:
    """(week starts, surface in words -> cards clicked of cards shown that week; None for weeks
    without impressions)."""
    axis = _weeks(weeks)
    rows = (
        RecommendationImpression.objects.filter(created_at__date__gte=axis[0])
        .annotate(week=TruncWeek("created_at"))
        .values("week", "surface")
        .annotate(shown=Count("id"), clicked=Count("id", filter=Q(clicked_at__isnull=False)))
    )
    series: dict[str, list[Rate | None]] = {}
    for row in rows:
        label = str(RecommendationImpression.Surface(row["surface"]).label)
        rates = series.setdefault(label, [None] * len(axis))
        rates[axis.index(_as_date(row["week"]))] = Rate(row["clicked"], row["shown"])
    return axis, series


def approval_per_week(*, weeks: int = WEEKS) -> tuple[list[date], dict[str, list[Rate | None]]]:
    """(week starts, style in words -> thumbs-up of that week's votes; None without votes)."""
    axis = _weeks(weeks)
    rows = (
        ExplanationFeedback.objects.filter(created_at__date__gte=axis[0])
        .annotate(week=TruncWeek("created_at"))
        .values("week", "explanation__style")
        .annotate(up=Count("id", filter=Q(vote=1)), votes=Count("id"))
    )
    series: dict[str, list[Rate | None]] = {}
    for row in rows:
        label = str(Explanation.Style(row["explanation__style"]).label)
        rates = series.setdefault(label, [None] * len(axis))
        rates[axis.index(_as_date(row["week"]))] = Rate(row["up"], row["votes"])
    return axis, dict(sorted(series.items()))


def approval_by_style() -> list[dict]:
    """Per style: explanations shown, thumbs up / down, approval (a Rate, None without votes)."""
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
                "approval": Rate(up, up + down) if up + down else None,
            }
        )
    return table


def metric_by_kind(*, name: str = "ndcg@10") -> tuple[list[str], dict[str, list[float | None]]]:
    """(version labels oldest first, kind in words -> ``name`` of its versions, None elsewhere):
    one series per kind, since each kind is validated on its own split (MF and hybrid on the
    warm split, the LM on each reader's last article) and kinds are not comparable."""
    versions = [
        version
        for version in ModelVersion.objects.exclude(metrics={}).order_by("created_at", "id")
        if version.metrics.get(name) is not None
    ]
    labels = [f"v{version.pk}" for version in versions]
    series: dict[str, list[float | None]] = {}
    for position, version in enumerate(versions):
        values = series.setdefault(str(version.get_kind_display()), [None] * len(versions))
        values[position] = version.metrics[name]
    return labels, series


def dashboard_charts() -> list[str]:
    """The dashboard's charts as SVG documents, in the order the page shows them."""
    days, events = interactions_per_day()
    weeks, clicks = click_through_per_week()
    vote_weeks, votes = approval_per_week()
    versions, ndcg = metric_by_kind()
    return [
        chart_svg(title=_("Interactions per day"), x=days, series=events, ylabel=_("events")),
        rate_chart_svg(
            title=_("Click-through of recommended cards (cards opened of cards shown, weekly)"),
            x=weeks,
            series=clicks,
        ),
        rate_chart_svg(
            title=_("Thumbs-up share per explanation style (weekly)"),
            x=vote_weeks,
            series=votes,
        ),
        chart_svg(
            title=_("Validation NDCG@10 per model version, one line per kind"),
            x=versions,
            series=ndcg,
            ylabel=_("NDCG@10 (own split per kind)"),
        ),
    ]


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


def _figure(title: str, ylabel: str):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 2.8), dpi=100)
    axes = figure.subplots()
    axes.set_title(title, fontsize=11)
    axes.set_ylabel(ylabel)
    return figure, axes


def _finish(figure, axes, labels: list[str], has_data: bool, legend: bool) -> str:
    import matplotlib

    if not has_data:
        axes.text(0.5, 0.5, _("no data yet"), ha="center", va="center", transform=axes.transAxes)
    if labels:
        step = max(1, len(labels) // 8)
        ticks = list(range(0, len(labels), step))
        axes.set_xticks(ticks, [labels[tick] for tick in ticks], fontsize=7, rotation=30)
    if legend:
        axes.legend(fontsize=7, loc="best")
    buffer = io.StringIO()
    # Text stays text (not glyph paths from matplotlib's fonts, which lack Chinese): the
    # browser draws it with its own fonts, so matplotlib's missing-glyph warning (raised while
    # it measures the text) does not apply.
    with matplotlib.rc_context({"svg.fonttype": "none"}), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Glyph .* missing from font", UserWarning)
        figure.tight_layout()
        figure.savefig(buffer, format="svg")
    svg = buffer.getvalue()
    # The XML prolog and doctype are not allowed inside HTML; the <svg> element is.
    return svg[svg.index("<svg") :]


def chart_svg(*, title: str, x: list, series: dict[str, list], ylabel: str) -> str:
    """Counts (or metrics) as lines, y from 0; None values are gaps; an empty chart says so."""
    figure, axes = _figure(title, ylabel)
    drawn = False
    for name, values in series.items():
        points = [(position, value) for position, value in enumerate(values) if value is not None]
        if points:
            axes.plot(*zip(*points, strict=True), marker="o", markersize=3, label=name)
            drawn = True
    axes.set_ylim(bottom=0)
    return _finish(figure, axes, [str(value) for value in x], drawn, legend=drawn)


def rate_chart_svg(*, title: str, x: list, series: dict[str, list[Rate | None]]) -> str:
    """Rates as points with their 95 % intervals as error bars, each labelled with its counts
    ("3/40"), on a 0–100 % axis."""
    from matplotlib.ticker import PercentFormatter

    # Not a format string ("% i" only looks like one to gettext's tools):
    # xgettext:no-python-format
    figure, axes = _figure(title, _("share, 95 % interval"))
    drawn = False
    offsets = _offsets(len(series))
    for offset, (name, rates) in zip(offsets, series.items(), strict=True):
        points = [
            (position + offset, rate) for position, rate in enumerate(rates) if rate is not None
        ]
        if not points:
            continue
        xs = [position for position, _rate in points]
        values = [rate.value for _position, rate in points]
        errors = [
            [rate.value - rate.interval[0] for _position, rate in points],
            [rate.interval[1] - rate.value for _position, rate in points],
        ]
        bars = axes.errorbar(xs, values, yerr=errors, fmt="o", markersize=3, capsize=2, label=name)
        colour = bars.lines[0].get_color()
        for position, rate in points:
            axes.annotate(
                f"{rate.hits}/{rate.trials}",
                (position, rate.value),
                textcoords="offset points",
                xytext=(3, 3),
                fontsize=6,
                color=colour,
            )
        drawn = True
    axes.set_ylim(0, 1.05)
    axes.yaxis.set_major_formatter(PercentFormatter(1.0))
    return _finish(figure, axes, [str(value) for value in x], drawn, legend=drawn)


def _offsets(count: int) -> list[float]:
    """Small x shifts so that several series' error bars at one date do not hide each other."""
    if count <= 1:
        return [0.0] * count
    return [-0.2 + 0.4 * index / (count - 1) for index in range(count)]
