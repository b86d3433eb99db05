from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from .site_throttles import login_guard

admin.site.site_header = _("recsite editors")
admin.site.site_title = _("recsite admin")
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
    # Browsers and feed readers ask for /favicon.ico whatever the pages link to. Resolved lazily:
    # in production the hashed name comes from collectstatic's manifest.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("recsite/favicon.svg"))),
    # set_language: the language switcher's POST, which stores the choice in a cookie.
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("recsite.site_urls")),
]
