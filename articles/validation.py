"""The one place where untrusted text from query strings, forms and JSON bodies becomes ids and
storable text. Everything here answers with a ValidationError (a 400 with a message) or a safe
value, never an exception that would be a 500:

- ids are ASCII digits only (``str.isdigit()`` also accepts "²" and "٣", which ``int()`` then
  refuses or reads as another number) and fit PostgreSQL's bigint;
- text holds no NUL (PostgreSQL cannot store it, SQLite can: a bug that only production shows),
  no other C0 control character but tab, newline and carriage return, and no lone surrogate
  (JSON's "\\ud800" decodes to one, and it cannot be encoded as UTF-8 to reach the database).

The lowest layer that needs it holds it: recommender and the site import it from here.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MAX_ID = 2**63 - 1  # PostgreSQL bigint, the type of every primary key (BigAutoField)
_ID = re.compile(r"[0-9]{1,19}", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")

CONTROL_MESSAGE = _("Control characters (such as NUL) are not allowed.")
STRIPPED_MESSAGE = _("Control characters were removed from what you typed.")


def id_parse(value: str | None) -> int | None:
    """The id that ``value`` spells in ASCII digits, or None if it spells none."""
    if value is None or not _ID.fullmatch(value):
        return None
    number = int(value)
    return number if number <= MAX_ID else None


def ids_parse(value: str, *, limit: int) -> list[int]:
    """Comma-separated ids ("12, 40,") as a list; a ValidationError names what is wrong."""
    parts = [part.strip() for part in value.split(",") if part.strip()]
    if len(parts) > limit:
        raise ValidationError(
            gettext("At most %(limit)d ids.") % {"limit": limit}, code="max_length"
        )
    ids = [id_parse(part) for part in parts]
    valid = [id_ for id_ in ids if id_ is not None]
    if len(valid) < len(ids):
        raise ValidationError(
            "Expected a comma-separated list of article ids, e.g. 12,40.", code="invalid"
        )
    return valid


def text_has_controls(value: str) -> bool:
    return _CONTROL.search(value) is not None


def text_strip_controls(value: str) -> str:
    return _CONTROL.sub("", value)


@deconstructible
class NoControlCharactersValidator:
    """For form and serializer fields, and services that store free text."""

    message = CONTROL_MESSAGE
    code = "control_characters"

    def __call__(self, value) -> None:
        if isinstance(value, str) and text_has_controls(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other) -> bool:
        return isinstance(other, NoControlCharactersValidator)
