"""Rate limits of the reader site's (non-DRF) views, on the API's throttles
(articles.api.throttles.throttle_wait), answered with a 429 page that says why and when to
come back. Views that record behaviour as a side effect of a page load do not answer 429: they
serve the page and skip the recording (see recsite.views)."""

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from articles.api.throttles import throttle_wait

from . import login_throttle

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

TOO_FAST_MESSAGES = {
    "writes": _("You are doing that too often. Your last action was not saved."),
    "search": _("You are searching faster than we can answer."),
    "auth": _("Too many login attempts from your network."),
}
LOGIN_LOCKED_MESSAGE = _(
    "Too many failed logins for this account. Please wait before trying again."
)


# A function view: the request, then the URL's arguments.
View = Callable[..., HttpResponseBase]


def too_many_requests(request: HttpRequest, *, message: "StrOrPromise", wait: int) -> HttpResponse:
    response = render(
        request, "recsite/too_many_requests.html", {"message": message, "wait": wait}, status=429
    )
    response["Retry-After"] = str(wait)
    return response


def rate_limited(scope: str) -> Callable[[View], View]:
    """Refuse the view's POSTs beyond the rate of ``scope`` (GETs are not counted)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method == "POST":
                wait = throttle_wait(request, scope)
                if wait is not None:
                    return too_many_requests(request, message=TOO_FAST_MESSAGES[scope], wait=wait)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def login_guard(view: View) -> View:
    """A login view's POSTs: the per-address rate, then the account's back-off, both checked
    before any password is hashed."""

    @wraps(view)
    @rate_limited("auth")
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST":
            username = request.POST.get("username", "")
            wait = login_throttle.login_wait(request=request, username=username)
            if wait is not None:
                return too_many_requests(request, message=LOGIN_LOCKED_MESSAGE, wait=wait)
        return view(request, *args, **kwargs)

    return wrapped
