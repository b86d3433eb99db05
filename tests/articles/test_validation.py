"""The validation layer's parsers on their own: what is an id, what is clean text, how deep a
JSON body is."""

import pytest
from django.core.exceptions import ValidationError

from articles.api.parsers import json_depth
from articles.validation import MAX_ID, id_parse, ids_parse, text_has_controls, text_strip_controls


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        ("007", 7),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("²", None),  # isdigit() is True, int() refuses it
        ("٢", None),  # isdigit() is True, int() reads 2
        ("９", None),
        ("-1", None),
        (" 1", None),
        ("1\n", None),
        ("", None),
        (None, None),
        ("9" * 5000, None),  # more digits than int() converts
    ],
)
def test_an_id_is_ascii_digits_within_bigint(value, expected):
    assert id_parse(value) == expected


def test_id_lists_skip_blanks_and_refuse_anything_else():
    assert ids_parse(" 12, 40,,", limit=2) == [12, 40]
    with pytest.raises(ValidationError) as bad:
        ids_parse("12,²", limit=5)
    assert bad.value.messages == ["Expected a comma-separated list of article ids, e.g. 12,40."]
    with pytest.raises(ValidationError) as long:
        ids_parse("1,2,3", limit=2)
    assert long.value.messages == ["At most 2 ids."]


def test_control_characters_are_c0_but_whitespace_and_lone_surrogates():
    # given
    text = "a\x00b\x1bc\td\ne\rf\ud800g\u2028h\x7fé"

    # then
    assert text_has_controls(text) is True
    assert text_strip_controls(text) == "abc\td\ne\rfg\u2028h\x7fé"
    assert text_has_controls("tab\tnew\nline\r é 李 \U0001f600") is False


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ("[]", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('["[[[[", "\\"[[["]', 1),  # brackets inside strings, escaped quotes, do not count
        ("[" * 1000 + "]" * 1000, 1000),
    ],
)
def test_json_depth_counts_brackets_outside_strings(text, depth):
    assert json_depth(text) == depth
