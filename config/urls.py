from allauth.account.decorators import secure_admin_login
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from core import views as core_views

admin.site.site_header = _("Nedra: ministry administration")
admin.site.site_title = _("Nedra administration")
admin.site.index_title = _("Deposits, auctions, bidders and licences")
# Staff log in through allauth, as bidders do: its lockouts, rate limits and second factor
# guard the admin too. The admin's own form would skip all three. Replacing this one site's
# bound view is the point, which the type checker flags as assigning to a method.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("healthz", core_views.health, name="health"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin, PDFs, the API).
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("config.api_urls")),
]
urlpatterns += i18n_patterns(
    path("accounts/", include("allauth.urls")),
    path("", include("bidders.urls")),
    path("", include("auctions.urls")),
    path("", include("deposits.urls")),
    path("", include("licensing.urls")),
    path("", include("pages.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)
