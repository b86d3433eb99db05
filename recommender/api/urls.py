from django.urls import path
from rest_framework.routers import SimpleRouter

from .explanations import ExplanationFeedbackView
from .generative import GenerativeRecommendView
from .similar import SimilarArticlesView
from .views import ModelVersionViewSet, RecommendationsView

router = SimpleRouter()
router.register("model-versions", ModelVersionViewSet, basename="model-version")

urlpatterns = [
    path("recommendations/", RecommendationsView.as_view(), name="recommendations"),
    path("recommend/", GenerativeRecommendView.as_view(), name="recommend-generate"),
    path("articles/<int:pk>/similar/", SimilarArticlesView.as_view(), name="article-similar"),
    path(
        "explanations/<int:pk>/feedback/",
        ExplanationFeedbackView.as_view(),
        name="explanation-feedback",
    ),
    *router.urls,
]
