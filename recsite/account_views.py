"""Readers' password pages: change (signed in) and reset by email (signed out).

Django's auth views do the work: tokens in reset links are single-use and expire after
settings.PASSWORD_RESET_TIMEOUT, other sessions end with the password change (their session
hash derives from it), and the account's API tokens are revoked by
recsite.authentication.tokens_revoke_on_password_change. The templates have their own names
because django.contrib.admin, installed first, ships pages under Django's default ones.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from articles.api.throttles import client_ip

from .privacy import password_reset_key

RESET_LIMITED_MESSAGE = _("Too many password reset requests. Please wait a while and try again.")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/reader_password_change.html"
    success_url = reverse_lazy("me")

    def form_valid(self, form):
        response = super().form_valid(form)  # keeps this session signed in
        messages.success(
            self.request,
            _("Your password is changed. Your other sessions and your API token no longer work."),
        )
        return response


def _reset_request_count(scope: str, value: str) -> int:
    """Counts this request in a fixed window; 0 when the cache is down (fail open: the reset
    page must keep working without Redis)."""
    key = password_reset_key(scope=scope, value=value)
    window = settings.RECSITE_PASSWORD_RESET_WINDOW_SECONDS
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key) or 0
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window)
        return 1


def password_reset_limited(*, request, email: str) -> bool:
    """Whether this email address or this client address asked too often: each reset sends an
    email, which must not become a way to flood an inbox or the mail relay. The address limit
    is the looser one: many readers may share an address (an office, a carrier's NAT)."""
    by_email = _reset_request_count("email", email.casefold())
    by_address = _reset_request_count("address", client_ip(request))
    return (
        by_email > settings.RECSITE_PASSWORD_RESET_LIMIT
        or by_address > settings.RECSITE_PASSWORD_RESET_ADDRESS_LIMIT
    )


class PasswordResetView(auth_views.PasswordResetView):
    """Says the same whether or not an account has that address, so it reveals none."""

    template_name = "registration/reader_password_reset.html"
    email_template_name = "registration/reader_password_reset_email.txt"
    subject_template_name = "registration/reader_password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        if password_reset_limited(request=self.request, email=form.cleaned_data["email"]):
            form.add_error(None, RESET_LIMITED_MESSAGE)
            response = self.form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = str(settings.RECSITE_PASSWORD_RESET_WINDOW_SECONDS)
            return response
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/reader_password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/reader_password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/reader_password_reset_complete.html"
