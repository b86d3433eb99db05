"""The API's JSON parser (settings.REST_FRAMEWORK's default, and every view that names its own):
DRF's, bounded. A body nested a thousand levels deep made the standard library's decoder raise
RecursionError (a 500) from a 2 KB request; strings with NUL or lone surrogates decoded fine and
then failed in PostgreSQL or in UTF-8 encoding. Each is a 400 here, before any view runs."""

import re
from itertools import accumulate
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding  # type: ignore[attr-defined]
from rest_framework.settings import api_settings
from rest_framework.utils import json

from ..validation import CONTROL_MESSAGE, text_has_controls

# A string literal (escapes included), then the brackets outside strings: their running sum is
# the nesting depth. Counted before decoding, so no depth ever reaches the recursive decoder.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text: str) -> int:
    brackets = _BRACKET.findall(_STRING.sub("", text))
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


def _control_path(data) -> tuple[str, ...] | None:
    """Where the first string with a control character is: keys and list indexes, as text."""
    stack: list[tuple[tuple[str, ...], Any]] = [((), data)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str) and text_has_controls(item):
            return path
        if isinstance(item, dict):
            for key, value in item.items():
                if text_has_controls(key):
                    return path  # a bad key: reported on the object that holds it
                stack.append(((*path, key), value))
        elif isinstance(item, list):
            stack.extend(((*path, str(index)), value) for index, value in enumerate(item))
    return None


def _error_at(path: tuple[str, ...]) -> dict:
    """{"a": {"0": {"b": [message]}}}, the shape of DRF's own field errors (list items by index,
    settings LIST_SERIALIZER_ERRORS_AS_DICT)."""
    error: Any = [CONTROL_MESSAGE]  # a dict once wrapped in at least one key
    for key in reversed(path or ("non_field_errors",)):
        error = {key: error}
    return error


class BoundedJSONParser(JSONParser):
    """Refuses (400) bodies nested deeper than settings.RECSITE_JSON_MAX_DEPTH and strings with
    control characters; a body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 (api_errors)."""

    def parse(self, stream, media_type=None, parser_context=None):
        text = self._read(stream, parser_context or {})
        limit = settings.RECSITE_JSON_MAX_DEPTH
        if json_depth(text) > limit:
            raise ParseError(f"JSON nested more than {limit} levels deep.")
        try:
            parse_constant = json.strict_constant if api_settings.STRICT_JSON else None
            data = json.loads(text, parse_constant=parse_constant)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        path = _control_path(data)
        if path is not None:
            raise ParseError(_error_at(path))
        return data

    def _read(self, stream, parser_context) -> str:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
        try:
            return raw.decode(get_encoding(parser_context))  # text codecs only (not bz2_codec)
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
