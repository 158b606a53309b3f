from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

import accounts.urls
import customers.urls
import home.urls
import markets.customer_urls
from core import health, pwa

# templates/400.html … 503.html in the URL's language; the 500 view needs no database and
# answers a database outage with 503.html.
handler400 = "core.error_views.bad_request"
handler403 = "core.error_views.permission_denied"
handler404 = "core.error_views.page_not_found"
handler500 = "core.error_views.server_error"

admin.site.site_header = _("135 工作法 · 后台管理")
admin.site.site_title = _("135 工作法")
admin.site.index_title = _("数据维护")

urlpatterns = [
    # readiness (database, Redis) and liveness: core/health.py
    path("healthz", health.healthz, name="healthz"),
    path("livez", health.livez, name="livez"),
    path("i18n/", include("django.conf.urls.i18n")),
    # the installable app: the service worker at the root (its scope is the whole site) and
    # the web app manifest (core/pwa.py)
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
]
# Chinese at /, English at /en/… (the language switch sets the same preference).
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    # the customer pages of customers/ and, showing market data, markets/ share the one
    # namespace "customers" (customers sits below markets and routes nothing of it)
    path(
        "customers/",
        include(
            (
                [*customers.urls.urlpatterns, *markets.customer_urls.urlpatterns],
                customers.urls.app_name,
            )
        ),
    ),
    path("brands/", include("brands.urls")),
    path("imports/", include("imports.urls")),
    path("analysis/", include("cycle.analysis_urls")),
    path("team/", include("cycle.team_urls")),
    path("strategy/", include("cycle.strategy_urls")),
    path("exports/", include("core.export_urls")),
    path("plans/", include("cycle.urls")),
    path("feed/", include("cycle.feed_urls")),
    path("brand-tasks/", include("cycle.brand_task_urls")),
    path("rules/", include("cycle.rule_urls")),
    path("visits/", include("cycle.visit_urls")),
    # customer satisfaction: /satisfaction/… and the customers' own link /s/<token>/ (no login)
    path("", include("surveys.urls")),
    # the home page (home/) and login/logout (accounts/) share the one namespace "accounts"
    # (reverse("accounts:home"), LOGIN_REDIRECT_URL): accounts sits below home and routes
    # nothing of it
    path("", include(([*home.urls.urlpatterns, *accounts.urls.urlpatterns], "accounts"))),
    prefix_default_language=False,
)
