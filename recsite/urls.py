from django.contrib import admin
from django.urls import include, path

from .site_throttles import login_guard

admin.site.site_header = "recsite editors"
admin.site.site_title = "recsite admin"
# The admin's home links the recommendations dashboard (for editors who may see it).
admin.site.index_template = "admin/recommender/index.html"
# The admin's login has the site login's per-address rate and per-account back-off (429 page).
admin.site.login = login_guard(admin.site.login)  # type: ignore[method-assign,assignment]

# Unmatched /api/ addresses answer in JSON like the rest of the API.
handler404 = "recsite.api_errors.page_not_found"
handler500 = "recsite.api_errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("recsite.api_urls")),
    path("", include("recsite.site_urls")),
]
