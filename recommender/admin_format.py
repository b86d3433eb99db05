"""How the recommender's admin pages show what trainings record: figures to three significant
digits, one short date format, and recorded JSON (metrics, settings, a search) as tables rather
than raw JSON with 17-digit floats."""

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

NONE = "–"


def figure(value: Any) -> str:
    """A number as an editor reads it: floats to three significant digits (large ones whole,
    with thousands separators), integers whole; anything else as text; None as a dash."""
    if value is None:
        return NONE
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.3g}"
    return str(value)


def when(value: datetime | None) -> str:
    """A moment in the site's time zone, to the minute (the same on every admin page)."""
    if value is None:
        return NONE
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def json_table(data: Any) -> SafeString:
    """``data`` (a dict, or a list of dicts such as a search's trials) as an HTML table; nested
    values render inline, figures rounded."""
    if isinstance(data, dict):
        if not data:
            return format_html("{}", NONE)
        rows = format_html_join(
            "", "<tr><th scope='row'>{}</th><td>{}</td></tr>", _key_values(data)
        )
        return format_html("<table class='recorded'><tbody>{}</tbody></table>", rows)
    if isinstance(data, list) and data and all(isinstance(row, dict) for row in data):
        columns = list(dict.fromkeys(name for row in data for name in row))
        head = format_html_join("", "<th scope='col'>{}</th>", ((name,) for name in columns))
        body = format_html_join(
            "",
            "<tr>{}</tr>",
            (
                (format_html_join("", "<td>{}</td>", ((_inline(row.get(c)),) for c in columns)),)
                for row in data
            ),
        )
        return format_html(
            "<table class='recorded'><thead><tr>{}</tr></thead><tbody>{}</tbody></table>",
            head,
            body,
        )
    return format_html("{}", _inline(data))


def _key_values(data: dict) -> list[tuple[str, SafeString | str]]:
    return [
        (str(name), json_table(value) if _is_table(value) else _inline(value))
        for name, value in data.items()
    ]


def _is_table(value: Any) -> bool:
    """Lists of records get a table of their own; short dicts and scalars stay inline."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{name} {_inline(item)}" for name, item in value.items()) or NONE
    if isinstance(value, list):
        return ", ".join(_inline(item) for item in value) or NONE
    return figure(value)
