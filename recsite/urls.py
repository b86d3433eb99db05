from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "recsite editors"
admin.site.site_title = "recsite admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("recsite.api_urls")),
    path("", include("recsite.site_urls")),
]
