"""The server-rendered reader site. Views stay thin: reads come from articles.selectors, writes go
through articles.services, and every form works without JavaScript."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import (
    content_disposition_header,
    url_has_allowed_host_and_scheme,
    urlencode,
)
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from articles import privacy, selectors, services
from articles.api.throttles import throttle_wait
from articles.models import Article, Interaction
from articles.search import search_articles
from articles.validation import (
    STRIPPED_MESSAGE,
    id_parse,
    ids_parse,
    text_has_controls,
    text_strip_controls,
)
from recommender.api.generative import RequestUnanswered, request_answer_wait
from recommender.explaining.cards import CardBatch, explained_cards
from recommender.explaining.impressions import impression_click
from recommender.explaining.interests import reader_interests
from recommender.ranking.content import similar_articles
from recommender.ranking.personalisation import personalisation_enabled, personalisation_set

from .forms import AccountDeleteForm, AskForm, SignUpForm
from .site_throttles import TOO_FAST_MESSAGES, login_guard, rate_limited, too_many_requests

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

PAGE_SIZE = 20
HOME_TRENDING = 5
HOME_LATEST = 10
HOME_FOR_YOU = 6
# A feed continued past this many cards (the list holds RECSITE_LIST_LENGTH = 200) starts over.
FEED_MAX_SHOWN = 200
REASON_KEY = re.compile(r"[0-9a-f]{8}")
ASK_RESULTS = 10
MORE_IN_TOPIC = 5
MORE_LIKE_THIS = 5

# The buttons a reader has on an article page and on each card of the feed:
# event -> (label, pressed label, feedback).
ARTICLE_BUTTONS: dict[str, tuple[StrOrPromise, StrOrPromise, StrOrPromise]] = {
    Interaction.Event.LIKE: (
        gettext_lazy("Like"),
        gettext_lazy("Liked"),
        gettext_lazy("Liked. We'll recommend more like it."),
    ),
    Interaction.Event.BOOKMARK: (
        gettext_lazy("Save"),
        gettext_lazy("Saved"),
        gettext_lazy("Saved. It's on your page."),
    ),
    Interaction.Event.DISLIKE: (
        gettext_lazy("Not interested"),
        gettext_lazy("Not interested"),
        gettext_lazy("Got it. We'll show you fewer articles like this."),
    ),
}
# Taking a button back from the "me" page: event -> feedback.
UNDO_MESSAGES: dict[str, StrOrPromise] = {
    Interaction.Event.LIKE: gettext_lazy("Removed from your liked articles."),
    Interaction.Event.BOOKMARK: gettext_lazy("Removed from your saved articles."),
}


class SignedInRequest(HttpRequest):
    """The request of a view behind ``login_required``: its user is an account."""

    user: User


def _page(request: HttpRequest, queryset: QuerySet[Any]) -> Page[Any]:
    # get_page() turns a missing, malformed or out-of-range ?page= into a valid page, never a 500.
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _safe_next(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _feed_context(request: HttpRequest, batch: CardBatch) -> dict[str, Any]:
    more_url = None
    if batch.has_more and len(batch.shown_ids) < FEED_MAX_SHOWN:
        # The next batch continues this page: it skips what was shown and repeats no reason.
        query = {
            "shown": ",".join(map(str, batch.shown_ids)),
            "seen": ",".join(batch.reason_keys),
        }
        more_url = f"{reverse('for_you')}?{urlencode(query)}"
    return {
        "for_you": batch.result,
        "for_you_cards": batch.cards,
        "for_you_more_url": more_url,
        "article_buttons": _article_buttons(),
        "followed_slugs": selectors.followed_topic_slugs(user_id=cast(int, request.user.pk)),
    }


def _article_buttons() -> list[tuple[str, StrOrPromise, StrOrPromise]]:
    return [(event, label, pressed) for event, (label, pressed, _) in ARTICLE_BUTTONS.items()]


def _feed_batch(request: HttpRequest, *, shown: list[int], seen: set[str]) -> CardBatch:
    assert request.user.is_authenticated, "the feed is a signed-in reader's"
    # Beyond the "views" rate the feed is still shown; only its impressions are not stored.
    return explained_cards(
        user=request.user,
        n=HOME_FOR_YOU,
        shown=shown,
        seen=seen,
        record_impressions=throttle_wait(request, "views") is None,
    )


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {
        "trending": selectors.articles_trending()[:HOME_TRENDING],
        "latest": selectors.articles_latest()[:HOME_LATEST],
    }
    if request.user.is_authenticated:
        context.update(_feed_context(request, _feed_batch(request, shown=[], seen=set())))
    return render(request, "recsite/home.html", context)


@require_GET
@login_required
def for_you(request: SignedInRequest) -> HttpResponse:
    """The next batch of the For-you feed: after the articles ``shown`` (ids), repeating none of
    the reasons ``seen`` (reason keys). site.js asks for JSON (the cards' HTML and the next
    batch's address) and appends it to the page; without JavaScript it is a page of its own."""
    try:
        shown = ids_parse(request.GET.get("shown", ""), limit=FEED_MAX_SHOWN)
    except ValidationError as error:
        return JsonResponse({"shown": error.messages}, status=400)
    keys = [key for key in request.GET.get("seen", "").split(",") if key]
    if len(keys) > FEED_MAX_SHOWN or not all(REASON_KEY.fullmatch(key) for key in keys):
        message = _("At most %(limit)d reason keys of 8 hexadecimal digits each.") % {
            "limit": FEED_MAX_SHOWN
        }
        return JsonResponse({"seen": [message]}, status=400)
    context = _feed_context(request, _feed_batch(request, shown=shown, seen=set(keys)))
    if _wants_json(request):
        html = render_to_string("recsite/_for_you_cards.html", context, request=request)
        return JsonResponse({"html": html, "next": context["for_you_more_url"]})
    return render(request, "recsite/for_you.html", context)


@require_GET
@login_required
def ask(request: SignedInRequest) -> HttpResponse:
    """ "Ask for something to read": the reader's words answered by the request path (the
    inference worker, as for POST /api/recommend/), as explained cards with thumbs."""
    form = AskForm(request.GET or None)
    cards, unavailable = None, ""
    if form.is_valid() and form.cleaned_data["q"].strip():
        try:
            answer = request_answer_wait(
                user_id=request.user.pk, user_input=form.cleaned_data["q"], top_n=ASK_RESULTS
            )
        except RequestUnanswered as error:
            unavailable = (
                _("We could not answer in time. Please try again in a moment.")
                if error.retry_after is not None
                else _("Nothing can be matched to words yet: no article text is indexed.")
            )
        else:
            cards = [
                {"article": item["article"], "explanation": item["explanation"], "vote": None}
                for item in answer["results"]
            ]
    return render(
        request,
        "recsite/ask.html",
        {
            "form": form,
            "cards": cards,
            "unavailable": unavailable,
            "next_url": request.get_full_path(),
        },
    )


@require_GET
def latest(request: HttpRequest) -> HttpResponse:
    return render(
        request, "recsite/latest.html", {"page": _page(request, selectors.articles_latest())}
    )


@require_GET
def trending(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.articles_trending())
    return render(request, "recsite/trending.html", {"page": page})


@require_GET
def topic_list(request: HttpRequest) -> HttpResponse:
    # published_count is topics_with_counts' annotation, which the stubs' plugin cannot see.
    topics = selectors.topics_with_counts().filter(published_count__gt=0)  # type: ignore[misc]
    return render(request, "recsite/topic_list.html", {"topics": topics})


@require_GET
def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    topic = selectors.topic_get(slug=slug)
    page = _page(request, selectors.articles_in_topic(topic=topic))
    following = selectors.topics_followed(user=request.user).filter(pk=topic.pk).exists()
    return render(
        request,
        "recsite/topic_detail.html",
        {"topic": topic, "page": page, "following": following},
    )


@require_POST
@rate_limited("writes")
def topic_follow(request: HttpRequest, slug: str, follow: bool) -> HttpResponse:
    topic_url = reverse("topic_detail", kwargs={"slug": slug})
    if not request.user.is_authenticated:
        return redirect_to_login(topic_url)
    topic = selectors.topic_get(slug=slug)
    if follow:
        services.topic_follow(user=request.user, topic=topic)
        message = _("You follow %(topic)s: its articles come first in your list.")
    else:
        services.topic_unfollow(user=request.user, topic=topic)
        message = _("You no longer follow %(topic)s.")
    message %= {"topic": topic.name}
    if _wants_json(request):
        return JsonResponse({"ok": True, "following": follow, "message": message})
    messages.success(request, message)
    return HttpResponseRedirect(_safe_next(request, default=topic_url))


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    typed = request.GET.get("q", "")
    text = " ".join(text_strip_controls(typed).split())
    if text_has_controls(typed):
        messages.warning(request, STRIPPED_MESSAGE)
    page = None
    if text:
        wait = throttle_wait(request, "search")
        if wait is not None:
            return too_many_requests(request, message=TOO_FAST_MESSAGES["search"], wait=wait)
        results = search_articles(text)
        page = _page(request, results)
        # Searches are behaviour (DESIGN §3). Turning to page 2 of the same results is not a new
        # search, so only the first page is recorded.
        if page.number == 1:
            services.search_record(user=request.user, text=text, results_count=page.paginator.count)
    return render(request, "recsite/search.html", {"q": text, "page": page})


@require_GET
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = selectors.article_get_for_reader(user=request.user, slug=slug)
    # Editors may preview drafts; only reading a published article is reader behaviour. Beyond
    # the "views" rate a reader still gets the article (many tabs at once are no abuse); only
    # the view and the card's click are not recorded.
    if (
        request.user.is_authenticated
        and article.is_published
        and throttle_wait(request, "views") is None
    ):
        services.interaction_record(
            user=request.user,
            article=article,
            event=Interaction.Event.VIEW,
            source=Interaction.Source.WEB,
        )
        # Opened from a recommended card (?rec=<impression id>): the card's click-through.
        # A malformed id only loses that click, so it is ignored rather than refused.
        impression_id = id_parse(request.GET.get("rec"))
        if impression_id is not None:
            impression_click(user=request.user, impression_id=impression_id, article_id=article.pk)
    first_topic = article.topics.first()
    more: Iterable[Article] = []
    if first_topic is not None:
        more = selectors.articles_in_topic(topic=first_topic).exclude(pk=article.pk)[:MORE_IN_TOPIC]
    context = {
        "article": article,
        "events": selectors.article_events_of(user=request.user, article=article),
        "first_topic": first_topic,
        "more_in_topic": more,
        # Text similarity blended with co-reading and topics; drafts have no neighbours to show.
        "more_like_this": (
            similar_articles(article_id=article.pk, n=MORE_LIKE_THIS)
            if article.is_published
            else []
        ),
        "article_buttons": _article_buttons(),
    }
    return render(request, "recsite/article_detail.html", context)


def _wants_json(request: HttpRequest) -> bool:
    # Browsers' own form posts prefer text/html; site.js asks for application/json explicitly.
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


@require_POST
@rate_limited("writes")
def article_event(request: HttpRequest, slug: str, event: str) -> HttpResponse:
    if event not in ARTICLE_BUTTONS:
        raise Http404(_("No such action."))
    article_url = reverse("article_detail", kwargs={"slug": slug})
    if not request.user.is_authenticated:
        # Back to the article after logging in (the action URL itself only accepts POST).
        return redirect_to_login(article_url)
    article = selectors.article_get_for_reader(user=request.user, slug=slug)
    if not article.is_published:
        raise Http404(_("No such article."))
    # A button is a state ("liked"), not a counter: pressing it again records nothing more.
    recorded = event not in selectors.article_events_of(user=request.user, article=article)
    if recorded:
        services.interaction_record(
            user=request.user, article=article, event=event, source=Interaction.Source.WEB
        )
    feedback = ARTICLE_BUTTONS[event][2]
    if _wants_json(request):
        return JsonResponse({"ok": True, "event": event, "recorded": recorded, "message": feedback})
    messages.success(request, feedback)
    return HttpResponseRedirect(_safe_next(request, default=article_url))


@require_POST
@login_required
@rate_limited("writes")
def article_event_undo(request: SignedInRequest, slug: str, event: str) -> HttpResponse:
    """Unsave or unlike, from the reader's page."""
    if event not in UNDO_MESSAGES:
        raise Http404("No such action.")
    article = selectors.article_get_for_reader(user=request.user, slug=slug)
    removed = services.interaction_withdraw(user=request.user, article=article, event=event)
    feedback = str(UNDO_MESSAGES[event])
    if _wants_json(request):
        return JsonResponse({"ok": True, "event": event, "removed": removed, "message": feedback})
    messages.success(request, feedback)
    return HttpResponseRedirect(_safe_next(request, default=reverse("me")))


# How many saved and liked articles the "me" page lists (the export has them all).
ME_MARKED = 20


@require_GET
@login_required
def me(request: SignedInRequest) -> HttpResponse:
    user = request.user
    page = _page(request, selectors.history_by_article(user=user))
    events = selectors.events_by_article(
        user=user, article_ids=[article.pk for article in page.object_list]
    )
    history = [(article, events[article.pk]) for article in page.object_list]
    context = {
        "page": page,
        "history": history,
        "saved": selectors.articles_with_event(user=user, event=Interaction.Event.BOOKMARK)[
            :ME_MARKED
        ],
        "liked": selectors.articles_with_event(user=user, event=Interaction.Event.LIKE)[:ME_MARKED],
        "followed": selectors.topics_followed(user=user),
        "interests": reader_interests(user=user),
        "personalised": personalisation_enabled(user_id=user.pk),
    }
    return render(request, "recsite/me.html", context)


@require_POST
@login_required
def me_personalisation(request: SignedInRequest) -> HttpResponse:
    enabled = request.POST.get("personalised") == "on"
    personalisation_set(user=request.user, enabled=enabled)
    if enabled:
        messages.success(request, _("Personalisation is on: your lists follow what you read."))
    else:
        messages.success(
            request, _("Personalisation is off: you see trending and new articles, like everyone.")
        )
    return redirect("me")


@require_GET
@login_required
def me_export(request: SignedInRequest) -> HttpResponse:
    response = JsonResponse(
        privacy.personal_data_export(user=request.user), json_dumps_params={"indent": 2}
    )
    # Usernames may be any letters: RFC 6266 filename*= keeps a non-ASCII one intact.
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"recsite-{request.user.username}-data.json"
    )
    return response


@require_http_methods(["GET", "POST"])
@login_required
@rate_limited("auth")  # the form checks the password
def me_delete(request: SignedInRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        privacy.personal_data_delete(user=user)
        messages.success(request, _("Your account and everything we stored about you are deleted."))
        return redirect("home")
    return render(request, "recsite/me_delete.html", {"form": form})


@require_http_methods(["GET", "POST"])
@rate_limited("auth")  # hashes a password
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_create(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
        )
        login(request, user)
        messages.success(
            request,
            _("Welcome, %(username)s! Your account is ready.") % {"username": user.username},
        )
        return redirect(_safe_next(request, default=reverse("home")))
    context = {"form": form, "next": _safe_next(request, default="")}
    return render(request, "registration/signup.html", context)


@method_decorator(login_guard, name="dispatch")
class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(
            self.request,
            _("Welcome back, %(username)s.") % {"username": form.get_user().username},
        )
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET), so a link or an image cannot log anyone out."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You are logged out."))
        return response
