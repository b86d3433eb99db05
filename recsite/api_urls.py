from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import api_views

urlpatterns = [
    path("", include("articles.api.urls")),
    path("", include("recommender.api.urls")),
    path("auth/token/", api_views.TokenView.as_view(), name="api-token"),
    path("me/", api_views.MeView.as_view(), name="api-me"),
    path("me/export/", api_views.MeExportView.as_view(), name="api-me-export"),
    path("health/live", api_views.LiveView.as_view(), name="api-health-live"),
    path("health/ready", api_views.ReadyView.as_view(), name="api-health-ready"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
