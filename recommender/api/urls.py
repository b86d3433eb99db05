from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import ModelVersionViewSet, RecommendationsView

router = SimpleRouter()
router.register("model-versions", ModelVersionViewSet, basename="model-version")

urlpatterns = [
    path("recommendations/", RecommendationsView.as_view(), name="recommendations"),
    *router.urls,
]
