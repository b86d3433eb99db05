"""The editors' dashboard: how readers receive recommendations and their explanations.

Reads (``*_series``, ``approval_by_style``) return plain data; ``chart_svg`` draws one series as
an SVG with matplotlib's Agg backend, server-side. matplotlib is imported inside ``chart_svg``
only, so web processes that never open the dashboard never load it.
"""

import io
import warnings
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.models import Interaction

from .models import Explanation, ExplanationFeedback, ModelVersion, RecommendationImpression

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
        axes.text(0.5, 0.5, _("no data yet"), ha="center", va="center", transform=axes.transAxes)
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
