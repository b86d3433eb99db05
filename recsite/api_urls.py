from django.urls import include, path

urlpatterns = [
    path("", include("articles.api.urls")),
]
