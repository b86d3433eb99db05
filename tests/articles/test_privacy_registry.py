"""The registry of everything personal (articles.privacy): complete over the models, and walked
by the export and the deletion."""

from django.apps import apps
from django.contrib.auth import get_user_model

from articles.models import Interaction, SearchQuery
from articles.privacy import (
    NON_PERSONAL_MODELS,
    PERSONAL_MODELS,
    personal_data_delete,
    personal_data_export,
)
from recommender.models import HiddenInterest
from recommender.ranking.interests import interest_hide
from recommender.ranking.personalisation import personalisation_set
from tests.factories import (
    ArticleFactory,
    EvidencePenaltyFactory,
    ExplanationFactory,
    ExplanationFeedbackFactory,
    InteractionFactory,
    RecommendationImpressionFactory,
    SearchQueryFactory,
    TopicFactory,
)

User = get_user_model()


def _linked_to_the_account() -> set:
    """Every concrete model with a foreign key (or one-to-one) to the account, directly or
    through a chain of foreign keys. A chain stops at a model declared non-personal (an
    article's embedding is not its author's data)."""
    linked = {User}
    grew = True
    while grew:
        grew = False
        for model in apps.get_models():
            if model in linked or model._meta.proxy:
                continue
            if any(
                field.many_to_one or field.one_to_one
                for field in model._meta.concrete_fields
                if field.is_relation
                and field.related_model in linked
                and field.related_model not in NON_PERSONAL_MODELS
            ):
                linked.add(model)
                grew = True
    return linked


def test_every_model_linked_to_an_account_is_registered_as_personal_or_not():
    # given
    personal = {entry.model for entry in PERSONAL_MODELS.values()}

    # when
    unregistered = {
        model._meta.label
        for model in _linked_to_the_account()
        if model not in personal and model not in NON_PERSONAL_MODELS
    }

    # then
    assert unregistered == set()
    assert all(reason.strip() for reason in NON_PERSONAL_MODELS.values())


def _reader_with_everything(reader):
    article = ArticleFactory(title="Dark matter")
    InteractionFactory(user=reader, article=article, event="like")
    SearchQueryFactory(user=reader, text="galaxies")
    explanation = ExplanationFactory(
        user=reader, article=article, style="trending", text="Trending: 3 readers this week"
    )
    ExplanationFeedbackFactory(
        explanation=explanation, vote=-1, reason="other", comment="not for me"
    )
    EvidencePenaltyFactory(user=reader, key="style:trending", penalty=0.5)
    interest_hide(user=reader, topic=TopicFactory(slug="space", name="Space"))
    RecommendationImpressionFactory(explanation=explanation, position=2)
    personalisation_set(user=reader, enabled=False)
    return article, explanation


def test_the_export_holds_votes_comments_hidden_interests_explanations_and_impressions(
    reader, other_reader
):
    # given
    article, explanation = _reader_with_everything(reader)
    _reader_with_everything(other_reader)

    # when
    export = personal_data_export(user=reader)

    # then: every registered section, each with only the reader's rows
    assert set(export) == set(PERSONAL_MODELS)
    assert export["account"]["username"] == "alice"
    assert [row["comment"] for row in export["explanation_votes"]] == ["not for me"]
    assert export["explanation_votes"][0]["vote"] == -1
    assert [(row["kind"], row["topic"]) for row in export["hidden_interests"]] == [
        ("topic", "space")
    ]
    assert [row["text"] for row in export["explanations_shown"]] == [
        "Trending: 3 readers this week"
    ]
    assert [(row["article_id"], row["explanation_id"], row["position"]) for row in
            export["impressions"]] == [(article.pk, explanation.pk, 2)]  # fmt: skip
    assert [row["key"] for row in export["evidence_penalties"]] == ["style:trending"]
    assert [row["enabled"] for row in export["personalisation"]] == [False]
    assert [row["text"] for row in export["searches"]] == ["galaxies"]
    assert [row["event"] for row in export["interactions"]] == ["like"]


def test_deletion_walks_the_registry_and_leaves_the_other_reader_alone(reader, other_reader):
    # given
    _reader_with_everything(reader)
    _reader_with_everything(other_reader)
    before = {name: len(rows) for name, rows in personal_data_export(user=other_reader).items()}

    # when
    personal_data_delete(user=reader)

    # then
    for entry in PERSONAL_MODELS.values():
        assert not entry.model.objects.filter(**{entry.user_field: reader.pk}).exists(), entry
    after = {name: len(rows) for name, rows in personal_data_export(user=other_reader).items()}
    assert after == before
    assert Interaction.objects.filter(user=other_reader).count() == 1
    assert SearchQuery.objects.filter(user=other_reader).count() == 1
    assert HiddenInterest.objects.filter(user=other_reader).count() == 1
