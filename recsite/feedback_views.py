"""The reader site's side of explanations: the For-you cards with their reasons and thumbs, the
thumbs forms, and the "me" page's inferred interests. Forms work without JavaScript; site.js
sends the same forms with fetch (Accept: application/json) and updates the card in place."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from articles import selectors
from articles.models import Interaction
from recommender.explaining import feedback
from recommender.ranking import interests

from .forms import InterestHideForm
from .site_throttles import rate_limited
from .views import SignedInRequest, _safe_next, _wants_json


@require_POST
@rate_limited("writes")
def explanation_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("home"))
    explanation = feedback.explanation_get_for_user(user=request.user, pk=pk)
    try:
        given, _ = feedback.explanation_feedback_submit(
            user=request.user,
            explanation=explanation,
            vote=request.POST.get("vote", ""),
            reason=request.POST.get("reason", ""),
            comment=request.POST.get("comment", ""),
            source=Interaction.Source.WEB,
        )
    except ValidationError as error:
        if _wants_json(request):
            return JsonResponse({"ok": False, "errors": error.message_dict}, status=400)
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(_safe_next(request, default=reverse("home")))
    message = feedback.feedback_message(given.vote, given.reason)
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "vote": "up" if given.vote > 0 else "down",
                "reason": given.reason,
                "message": message,
                "ask_reason": given.vote < 0 and not given.reason,
                "removed": given.reason in ("not_relevant", "already_read"),
            }
        )
    messages.success(request, message)
    return HttpResponseRedirect(_safe_next(request, default=reverse("home")))


@require_POST
@login_required
@rate_limited("writes")
def interest_hide(request: SignedInRequest) -> HttpResponse:
    form = InterestHideForm(request.POST)
    if not form.is_valid():
        # The buttons send only interests the page showed: anything else names no interest.
        reasons = [str(message) for errors in form.errors.values() for message in errors]
        raise Http404(" ".join(reasons))
    slug, phrase = form.cleaned_data["topic"], form.cleaned_data["phrase"]
    if slug:
        topic = selectors.topic_get(slug=slug)
        interests.interest_hide(user=request.user, topic=topic)
        label = topic.name
    else:
        interests.interest_hide(user=request.user, phrase=phrase)
        label = phrase
    messages.success(
        request,
        _("Removed “%(interest)s”: your recommendations no longer lean on it.")
        % {"interest": label},
    )
    return HttpResponseRedirect(reverse("me"))


@require_POST
@login_required
@rate_limited("writes")
def interest_restore(request: SignedInRequest, pk: int) -> HttpResponse:
    if not interests.interest_restore(user=request.user, hidden_id=pk):
        raise Http404(_("No such removed interest."))
    messages.success(request, _("Restored."))
    return HttpResponseRedirect(reverse("me"))
