"""Readers' thumbs on explanations, and what each answer changes.

- every vote: the style bandit counts it (styles.vote_counts_forget: the next explanation sees it);
- "not relevant": a dislike of the article (it leaves the reader's list at once; retraining
  treats it as a negative);
- "already read": a read of the article;
- "wrong reason": the cited evidence (articles, topic, or the style itself when it cites
  nothing) weighs less in that reader's future explanations (EvidencePenalty).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles import services as article_services
from articles.models import Interaction
from articles.validation import CONTROL_MESSAGE, text_has_controls

from ..cache.explanations import explanations_forget
from ..models import EvidencePenalty, Explanation, ExplanationFeedback
from . import explanations, styles

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Reason = ExplanationFeedback.Reason
VOTES = {"up": 1, "down": -1}
# Reasons that explain a thumbs-up / a thumbs-down ("other" fits both).
UP_REASONS = {"", Reason.HELPFUL, Reason.OTHER}
DOWN_REASONS = {"", Reason.WRONG_REASON, Reason.NOT_RELEVANT, Reason.ALREADY_READ, Reason.OTHER}
# Each "wrong reason" takes this much of the evidence's weight away (two take all of it).
PENALTY_STEP = 0.5
MAX_COMMENT = 2000
# What the reader is told once their answer took effect.
REASON_MESSAGES = {
    "": _("Thanks! Tell us what was wrong, if you like."),
    Reason.HELPFUL: _("Thanks! Glad the reason helped."),
    Reason.WRONG_REASON: _("Thanks. We'll lean less on that reason for you."),
    Reason.NOT_RELEVANT: _("Got it: removed from your list."),
    Reason.ALREADY_READ: _("Noted as read: we won't recommend it again."),
    Reason.OTHER: _("Thanks for telling us."),
}
UP_MESSAGE = _("Thanks! We'll keep giving reasons like this.")


def explanation_get_for_user(*, user: User, pk: int) -> Explanation:
    """The explanation if it was made for ``user``; otherwise Http404 — whether it exists for
    somebody else is not revealed."""
    explanation = (
        Explanation.objects.filter(pk=pk, user_id=user.pk).select_related("article").first()
    )
    if explanation is None:
        raise Http404("No such explanation.")
    return explanation


def feedback_message(vote: int, reason: str) -> str:
    message = UP_MESSAGE if vote > 0 and reason in ("", Reason.HELPFUL) else REASON_MESSAGES[reason]
    return str(message)


def feedback_of(*, user: User, explanation_ids: list[int]) -> dict[int, ExplanationFeedback]:
    """The reader's votes on these explanations, by explanation id."""
    rows = ExplanationFeedback.objects.filter(user=user, explanation_id__in=explanation_ids)
    return {row.explanation_id: row for row in rows}


def _validate(vote: str, reason: str, comment: str) -> None:
    if vote not in VOTES:
        raise ValidationError({"vote": gettext("Expected one of: %s.") % ", ".join(VOTES)})
    allowed = UP_REASONS if vote == "up" else DOWN_REASONS
    if reason not in allowed:
        raise ValidationError(
            {
                "reason": gettext(
                    "%(reason)r is not a reason for a thumbs-%(vote)s; expected one of: "
                    "%(allowed)s."
                )
                % {
                    "reason": reason,
                    "vote": vote,
                    "allowed": ", ".join(sorted(r for r in allowed if r)),
                }
            }
        )
    if len(comment) > MAX_COMMENT:
        raise ValidationError(
            {"comment": gettext("At most %(count)d characters.") % {"count": MAX_COMMENT}}
        )
    if text_has_controls(comment):
        raise ValidationError({"comment": CONTROL_MESSAGE})


@transaction.atomic
def explanation_feedback_submit(
    *,
    user: User,
    explanation: Explanation,
    vote: str,
    reason: str = "",
    comment: str = "",
    source: str = Interaction.Source.WEB,
) -> tuple[ExplanationFeedback, bool]:
    """Record ``user``'s vote ("up" / "down") on their ``explanation``; a second vote replaces
    the first. Returns (feedback, created). The reason's effect is applied when it is new."""
    _validate(vote, reason, comment)
    previous = (
        ExplanationFeedback.objects.select_for_update()
        .filter(explanation=explanation, user=user)
        .first()
    )
    feedback, created = ExplanationFeedback.objects.update_or_create(
        explanation=explanation,
        user=user,
        defaults={"vote": VOTES[vote], "reason": reason, "comment": comment.strip()},
    )
    if previous is None or previous.reason != reason:
        _apply_reason(user, explanation, reason, source)
    transaction.on_commit(styles.vote_counts_forget)
    return feedback, created


def _apply_reason(user, explanation: Explanation, reason: str, source: str) -> None:
    if reason == Reason.NOT_RELEVANT:
        _record_once(user, explanation, Interaction.Event.DISLIKE, source)
    elif reason == Reason.ALREADY_READ:
        _record_once(user, explanation, Interaction.Event.READ, source)
    elif reason == Reason.WRONG_REASON:
        for key in explanations.evidence_keys(explanation):
            penalty, _ = EvidencePenalty.objects.get_or_create(user=user, key=key)
            penalty.penalty = min(1.0, penalty.penalty + PENALTY_STEP)
            penalty.save(update_fields=["penalty", "updated_at"])
        user_id = user.pk
        transaction.on_commit(lambda: explanations_forget(user_id=user_id))


def _record_once(user, explanation: Explanation, event: str, source: str) -> None:
    already = Interaction.objects.filter(user=user, article_id=explanation.article_id, event=event)
    if not already.exists():
        article_services.interaction_record(
            user=user, article=explanation.article, event=event, source=source
        )
