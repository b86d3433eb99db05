"""What the project-level pieces (API tokens, the admin, rate limits) store about a person, in
the registry of articles.privacy; registered from RecsiteConfig.ready()."""

import hashlib

from django.conf import settings

from articles.privacy import cache_family, personal_model

from .models import IdempotencyKey


def _throttle_keys(user) -> list[str]:
    scopes = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
    return [THROTTLE.key(scope=scope, ident=user.pk) for scope in scopes]


# DRF's rate-limit history ("throttle_<scope>_<ident>", its own layout): the account's id when
# signed in, else the client address.
THROTTLE = cache_family("throttle_{scope}_{ident}", keys_of=_throttle_keys)


def login_account_digest(username: str | None) -> str:
    """Typed usernames are personal data: the login defence's keys hold only this digest of one
    (case-folded, as the account's own name is matched)."""
    return hashlib.sha256((username or "").casefold().encode()).hexdigest()[:32]


def _login_family(template: str):
    """A family of the login defence, keyed by the digest of the typed username: an account's
    own keys are those of its username."""

    def keys_of(user) -> list[str]:
        return [family.key(digest=login_account_digest(user.get_username()))]

    family = cache_family(template, keys_of=keys_of)
    return family


# The login defence (recsite.login_throttle), per typed username: failures in the window, the
# back-off deadline, and the digests of the addresses the account logged in from.
LOGIN_FAILURES = _login_family("login-failures:{digest}")
LOGIN_BACKOFF = _login_family("login-backoff:{digest}")
LOGIN_KNOWN = _login_family("login-known:{digest}")


def password_reset_key(*, scope: str, value: str) -> str:
    """Reset requests counted per typed email address or per client address, under a digest."""
    return PASSWORD_RESET.key(scope=scope, digest=hashlib.sha256(value.encode()).hexdigest()[:32])


# Password-reset requests in the window (recsite.account_views): an account's own key is the one
# of its email address.
PASSWORD_RESET = cache_family(
    "password-reset:{scope}:{digest}",
    keys_of=lambda user: [password_reset_key(scope="email", value=user.email.casefold())],
)
HEALTH = cache_family("health:{probe}", reason="a readiness probe's value, deleted at once")


def register_recsite() -> None:
    from django.contrib.admin.models import LogEntry
    from rest_framework.authtoken.models import Token

    personal_model(
        model=Token,
        export_as="api_tokens",
        order_by=("created",),
        # Never the key itself: an export file must not hand out a credential.
        fields={"created": "created"},
    )
    personal_model(
        model=LogEntry,
        export_as="admin_actions",
        order_by=("-action_time", "-pk"),
        fields={
            "action_time": "action_time",
            "object": "object_repr",
            "action_flag": "action_flag",
            "change_message": "change_message",
        },
    )
    # The responses of a reader's retried writes, kept a day (recsite.idempotency): the export
    # says which keys exist and what they answered, not the bodies (the writes themselves are
    # exported under their own names).
    personal_model(
        model=IdempotencyKey,
        export_as="idempotency_keys",
        fields={"key": "key", "status_code": "status_code", "created_at": "created_at"},
    )
