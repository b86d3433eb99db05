"""Property-based: every site route and every API operation, driven with arbitrary Unicode (NUL
and other control characters, Unicode digits, lone surrogates inside JSON, huge numbers, long
strings) in every path, query, form and body parameter, never answers 5xx.

Coverage is by construction: the site's routes are walked from its URLconf (a route without an
entry in SITE_ROUTES fails), the API's operations come from its OpenAPI schema, and every API
route must be in that schema. Run it on PostgreSQL too: NUL only fails there."""

import json
import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tests.factories import UserFactory

from .api_operations import OPERATIONS, PATH_PARAMS, World

EXAMPLES = 25  # per route or operation, same examples every run: ~40 s for the whole file
PROPERTY_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Values that broke parsers before: Unicode digits, NUL, control and format characters, numbers
# past every integer type, escapes, markup.
NASTY = [
    "", " ", "0", "-1", "²", "١٢", "９", "1" * 25, "9" * 5000, "1e999", "NaN", "a\x00b",
    "\x00", "\x1b[0m", "\u2028", "\ufeff", "%00", "../..", "<b>", "x" * 3000, "true", "null",
]  # fmt: skip
# Arbitrary text, with the characters that broke things before mixed into its alphabet.
TEXT = st.one_of(
    st.sampled_from(NASTY),
    st.text(st.one_of(st.characters(codec="utf-8"), st.sampled_from("\x00\x1f²٢９")), max_size=30),
)
# JSON can carry what a URL or a form cannot: lone surrogates ("\ud800") and any nesting.
JSON_TEXT = st.one_of(TEXT, st.text(st.characters(categories=["Cs", "Cc"]), min_size=1))
JSON_VALUE = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from([10**30, -(10**30), 2**63]),
        st.floats(allow_nan=False, allow_infinity=False),
        JSON_TEXT,
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(JSON_TEXT, inner, max_size=3)
    ),
    max_leaves=6,
)

DEEP_JSON = "[" * 1000 + "]" * 1000


def as_path(value: str) -> str:
    return quote(value, safe="")


# --- the site ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    path: str  # with {slug}, {event}, {pk} for the URL's arguments
    methods: tuple[str, ...]
    fields: tuple[str, ...]  # query parameters of a GET, form fields of a POST


LIST = ("page",)
SITE_ROUTES = {
    "home": Route("/", ("GET",), ()),
    "latest": Route("/latest/", ("GET",), LIST),
    "trending": Route("/trending/", ("GET",), LIST),
    "topic_list": Route("/topics/", ("GET",), ()),
    "topic_detail": Route("/topics/{slug}/", ("GET",), LIST),
    "search": Route("/search/", ("GET",), ("q", "page")),
    "article_detail": Route("/articles/{slug}/", ("GET",), ("rec",)),
    "article_event": Route("/articles/{slug}/{event}/", ("POST",), ("next",)),
    "article_event_undo": Route("/articles/{slug}/{event}/undo/", ("POST",), ("next",)),
    "for_you": Route("/for-you/", ("GET",), ("shown", "seen")),
    "ask": Route("/ask/", ("GET",), ("q",)),
    "topic_follow": Route("/topics/{slug}/follow/", ("POST",), ()),
    "topic_unfollow": Route("/topics/{slug}/unfollow/", ("POST",), ()),
    "me": Route("/me/", ("GET",), LIST),
    "interest_hide": Route("/me/interests/hide/", ("POST",), ("topic", "phrase")),
    "interest_restore": Route("/me/interests/{pk}/restore/", ("POST",), ()),
    "explanation_feedback": Route(
        "/explanations/{pk}/feedback/", ("POST",), ("vote", "reason", "comment", "next")
    ),
    "me_export": Route("/me/export/", ("GET",), ()),
    "me_personalisation": Route("/me/personalisation/", ("POST",), ("personalised",)),
    "me_delete": Route("/me/delete/", ("GET", "POST"), ("password",)),
    "signup": Route(
        "/signup/", ("GET", "POST"), ("username", "email", "password1", "password2", "next")
    ),
    "login": Route("/login/", ("GET", "POST"), ("username", "password", "next")),
    "logout": Route("/logout/", ("POST",), ("next",)),
    "password_change": Route(
        "/me/password/", ("GET", "POST"), ("old_password", "new_password1", "new_password2")
    ),
    "password_reset": Route("/password-reset/", ("GET", "POST"), ("email",)),
    "password_reset_done": Route("/password-reset/sent/", ("GET",), ()),
    "password_reset_confirm": Route(
        "/password-reset/{uidb64}/{token}/", ("GET", "POST"), ("new_password1", "new_password2")
    ),
    "password_reset_complete": Route("/password-reset/done/", ("GET",), ()),
}


def site_arguments(world: World) -> dict[str, str]:
    return {
        "slug": world.article.slug,
        "event": "like",
        "pk": str(world.explanation.pk),
        "uidb64": "MQ",
        "token": "set-password",
    }


def test_every_site_route_is_driven():
    # given
    names = {pattern.name for pattern in get_resolver("recsite.site_urls").url_patterns}

    # then
    assert names == set(SITE_ROUTES)


def test_the_site_routes_match_the_urlconf(world):
    # given
    arguments = site_arguments(world)

    for name, route in SITE_ROUTES.items():
        # when
        kwargs = {key: value for key, value in arguments.items() if "{" + key + "}" in route.path}

        # then
        assert reverse(name, kwargs=kwargs) == route.path.format(**kwargs)


@pytest.mark.parametrize("name", sorted(SITE_ROUTES))
@PROPERTY_SETTINGS
@given(data=st.data())
def test_site_routes_never_answer_5xx(world, name, data):
    # given
    route = SITE_ROUTES[name]
    method = data.draw(st.sampled_from(route.methods))
    arguments = {
        key: as_path(data.draw(st.one_of(st.just(value), TEXT)))
        for key, value in site_arguments(world).items()
    }
    fields = {field: data.draw(TEXT) for field in route.fields}
    client = Client()
    if data.draw(st.booleans()):
        client.force_login(world.users["reader_a"])

    # when
    url = route.path.format(**arguments)
    response = client.get(url, fields) if method == "GET" else client.post(url, fields)

    # then
    assert response.status_code < 500


# --- the API ----------------------------------------------------------------------------------

SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
NOT_OPERATIONS = {"api-schema", "api-docs"}  # the schema and its viewer take no input


def _shape(route: str) -> str:
    """A route with its parameters blanked: "articles/{}/similar/" from either spelling."""
    route = re.sub(r"\(\?P<\w+>[^)]*\)|<[^>]+>|\{[^}]+\}", "{}", route)
    return route.strip("^$").removeprefix("/api/")


def _api_routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.name not in NOT_OPERATIONS:
            yield prefix + str(pattern.pattern).lstrip("^")


def test_every_api_route_is_in_the_schema_so_it_is_driven():
    # given
    routes = {_shape(route) for route in _api_routes(get_resolver("recsite.api_urls").url_patterns)}

    # then
    assert routes - {_shape(path) for path in SCHEMA["paths"]} == set()


def _resolve(node: dict) -> dict:
    while "$ref" in node:
        node = SCHEMA["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _body_fields(node: dict) -> set[str]:
    node = _resolve(node)
    fields = set(node.get("properties", {}))
    for part in node.get("oneOf", []) + node.get("allOf", []):
        fields |= _body_fields(part)
    if "items" in node:
        fields |= _body_fields(node["items"])
    return fields


@dataclass(frozen=True)
class Inputs:
    query: list[str]
    fields: list[str]  # of the body
    media_types: list[str]  # of the body


def operation_inputs(method: str, path: str) -> Inputs:
    """The operation's query parameters and body fields, from the schema."""
    operation = SCHEMA["paths"][path][method.lower()]
    content = operation.get("requestBody", {}).get("content", {"application/json": {}})
    fields = set().union(*(_body_fields(media.get("schema", {})) for media in content.values()))
    return Inputs(
        query=[p["name"] for p in operation.get("parameters", []) if p["in"] == "query"],
        fields=sorted(fields),
        media_types=sorted(content),
    )


def _documented_503(method: str, path: str) -> bool:
    return "503" in SCHEMA["paths"][path][method.lower()]["responses"]


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_api_operations_never_answer_5xx(world, method, path, data):
    # given: the real object's URL, or any of its parameters replaced by anything
    inputs = operation_inputs(method, path)
    arguments = {
        name: as_path(data.draw(st.one_of(st.just(str(value)), TEXT)))
        for name, value in (PATH_PARAMS[path](world) if "{" in path else {}).items()
    }
    url = path.format(**arguments)
    query = {name: data.draw(TEXT) for name in inputs.query}
    media_type = data.draw(st.sampled_from(inputs.media_types))
    if media_type == "application/json":
        body = json.dumps(  # ASCII: lone surrogates travel as "\ud800" escapes
            data.draw(
                st.one_of(
                    st.fixed_dictionaries({field: JSON_VALUE for field in inputs.fields}),
                    JSON_VALUE,
                )
            )
        )
    else:  # forms, as DRF's own parsers read them (multipart is sent urlencoded: same fields)
        media_type = "application/x-www-form-urlencoded"
        body = urlencode({field: data.draw(TEXT) for field in inputs.fields})
    client = APIClient()
    role = data.draw(st.sampled_from(["anonymous", "reader_a", "editor"]))
    if (method, path) == ("DELETE", "/api/me/"):  # the account goes: a new one each time
        client.force_authenticate(UserFactory())
    elif role != "anonymous":
        client.force_authenticate(world.users[role])

    # when
    if method == "GET":
        response = client.get(url, query)
    else:
        response = client.generic(method, f"{url}?{urlencode(query)}", body, media_type)

    # then
    if response.status_code == 503:
        assert _documented_503(method, path)
    else:
        assert response.status_code < 500
