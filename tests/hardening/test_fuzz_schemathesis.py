"""Property-based fuzzing of the whole API with schemathesis, in-process through Django's WSGI
handler: generated requests for every operation of the OpenAPI schema, valid and invalid, sent as
an anonymous client, a reader and an editor, must pass every check schemathesis has. The schema
is the API's contract, so an answer it does not document (a status, a content type, a body) or
a valid request it rejects is a failure, not only a server error."""

import re

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import CHECKS, load_all_checks, not_a_server_error
from schemathesis.specs.openapi.checks import positive_data_acceptance

from articles.models import Interaction
from tests.conftest import EDITORS_GROUP
from tests.factories import ArticleFactory, TopicFactory, UserFactory

# Bounded: enough to hit each parameter's edges, small enough for `make test`.
EXAMPLES_PER_OPERATION = 10
ROLES = ["anonymous", "reader", "editor"]


@schemathesis.check
def no_undocumented_server_error(ctx, response, case):
    """Any 5xx fails, except one the operation documents: "503, try again later" from an
    endpoint that needs a worker the test does not run is an honest answer, not a bug."""
    documented = case.operation.definition.raw.get("responses", {})
    if response.status_code == 503 and "503" in documented:
        return None
    return not_a_server_error(ctx, response, case)


# What a schema cannot state: whether a well-formed id or slug names something that exists (or is
# still free), whether there is an earlier version to roll back to, whether an Idempotency-Key
# was already used with another body, the one rule between fields that its description gives in
# words, and the API-wide rule that no string of a body or a query holds a NUL or other control
# character (stated once in the API's description: a pattern on every string and property name
# would bury the schema). An answer saying only that is an honest answer to drawn data; any
# other rejection still fails.
STATE_DEPENDENT = re.compile(
    r"^No published article has id -?\d+\.$|^Object with slug=.* does not exist\.$"
    r"|^No topic with slug .*\.$|^No active \w+ version to roll back from\.$"
    r"|^Article with this [\w ]+ already exists\.$|^A rating needs a value\.$"
    r"|^This Idempotency-Key was already used with a different request"
    r"|^Control characters \(such as NUL\) are not allowed\.$"
    r"|^Null characters are not allowed\.$",
    re.DOTALL,
)


def _messages(body) -> list[str]:
    if isinstance(body, str):
        return [body]
    values = body.values() if isinstance(body, dict) else body if isinstance(body, list) else []
    return [message for value in values for message in _messages(value)]


@schemathesis.check
def valid_data_accepted(ctx, response, case):
    """positive_data_acceptance, except a 400 or 422 whose messages are all STATE_DEPENDENT."""
    if response.status_code in (400, 422):
        messages = _messages(response.json())
        if messages and all(STATE_DEPENDENT.match(message) for message in messages):
            return None
    return positive_data_acceptance(ctx, response, case)


load_all_checks()  # the OpenAPI checks register themselves when loaded
REPLACED = {not_a_server_error: no_undocumented_server_error}
REPLACED[positive_data_acceptance] = valid_data_accepted
# Every check schemathesis has, two of them with the exceptions above.
CHECKS_ALL = [REPLACED.get(check, check) for check in CHECKS.get_all()]


@pytest.fixture
def auth_headers(request, db) -> dict[str, str]:
    """A small world (a topic, published articles, a reader's read) and the role's headers."""
    topic = TopicFactory(slug="astronomy")
    articles = [ArticleFactory(topics=[topic]) for _ in range(3)]
    reader = UserFactory(username="fuzzy")
    Interaction.objects.create(user=reader, article=articles[0], event="read")
    role = request.param
    if role == "anonymous":
        return {}
    user = reader
    if role == "editor":
        user = UserFactory(username="fuzzy_editor", is_staff=True)
        user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    return {"Authorization": f"Token {Token.objects.create(user=user).key}"}


# Loaded at collection (the schema view needs no database), so each operation is its own test.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())


@pytest.mark.parametrize("auth_headers", ROLES, indirect=True)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same examples every run: a failure here is reproducible
)
def test_api_keeps_to_its_schema(case, auth_headers, wsgi_app_in_test_transaction, mf_settings):
    case.call_and_validate(headers=auth_headers, checks=CHECKS_ALL)
