"""factory_boy factories of every model tests build: users and articles, behaviour, and the
recommender's rows (model versions, explanations and their feedback, impressions, editorial
boosts, evidence penalties)."""

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from articles.models import Article, Interaction, SearchQuery, Topic
from recommender.models import (
    EditorialBoost,
    EvidencePenalty,
    Explanation,
    ExplanationFeedback,
    ModelVersion,
    RecommendationImpression,
)

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"reader{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Article number {n}")
    slug = factory.Sequence(lambda n: f"article-number-{n}")
    summary = factory.LazyAttribute(lambda article: f"A summary of {article.title}.")
    body = factory.LazyAttribute(lambda article: f"The body of {article.title}.")
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def topics(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.topics.set(extracted)


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    user = factory.SubFactory(UserFactory)
    article = factory.SubFactory(ArticleFactory)
    event = Interaction.Event.VIEW
    source = Interaction.Source.WEB


class SearchQueryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SearchQuery

    user = factory.SubFactory(UserFactory)
    text = "networks"


class ModelVersionFactory(factory.django.DjangoModelFactory):
    """A registry row without artifacts: for admin, API and registry tests that never load it
    (``mf_version`` in tests/recommender_fixtures.py trains a real one)."""

    class Meta:
        model = ModelVersion

    kind = ModelVersion.Kind.MF
    status = ModelVersion.Status.READY


class ExplanationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Explanation

    user = factory.SubFactory(UserFactory)
    article = factory.SubFactory(ArticleFactory)
    style = Explanation.Style.TRENDING
    text = "Trending: 3 readers this week"


class ExplanationFeedbackFactory(factory.django.DjangoModelFactory):
    """A thumbs-up by the reader the explanation was shown to."""

    class Meta:
        model = ExplanationFeedback

    explanation = factory.SubFactory(ExplanationFactory)
    user = factory.SelfAttribute("explanation.user")
    vote = 1
    reason = ExplanationFeedback.Reason.HELPFUL


class RecommendationImpressionFactory(factory.django.DjangoModelFactory):
    """A card shown on the home feed, with the explanation it carried."""

    class Meta:
        model = RecommendationImpression

    explanation = factory.SubFactory(ExplanationFactory)
    user = factory.SelfAttribute("explanation.user")
    article = factory.SelfAttribute("explanation.article")
    surface = RecommendationImpression.Surface.HOME
    position = 1


class EditorialBoostFactory(factory.django.DjangoModelFactory):
    """A boost running from yesterday to tomorrow, of the ``article`` or ``topic`` given."""

    class Meta:
        model = EditorialBoost

    kind = EditorialBoost.Kind.BOOST
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))


class EvidencePenaltyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvidencePenalty

    user = factory.SubFactory(UserFactory)
    key = "style:trending"
    penalty = 1.0
