"""URLs. DEPLOYMENT_MODE picks the set: the portal never routes to miner views, nor back."""

from django.conf import settings
from django.urls import include, path
from django.views import defaults

from consortium import views
from consortium.metrics import metrics_view

urlpatterns = [path("healthz", views.healthz, name="healthz")]

if settings.DEPLOYMENT_MODE == "portal":
    from django.contrib import admin
    from drf_spectacular.views import SpectacularAPIView

    from consortium.portal.metrics import RunsByState
    from consortium.portal.minerlink.hello import HelloView

    urlpatterns += [
        # an admin page that is not a ModelAdmin's: before the admin's own URLs, under its prefix (its styles)
        path("admin/periods/collectionperiod/", include("consortium.portal.retention.urls")),
        path("admin/", admin.site.urls),
        path("i18n/", include("django.conf.urls.i18n")),
        path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
        path("metrics", metrics_view(RunsByState()), name="metrics"),
        path("api/miner/hello", HelloView.as_view(), name="miner_hello"),
        path("api/miner/runs/", include("consortium.portal.runs.api_urls")),
        path("api/miner/identity/", include("consortium.portal.minerlink.api_urls")),
        path("api/miner/", include("consortium.portal.submissions.api_urls")),
        path("submissions/", include("consortium.portal.submissions.urls")),
        path("analyses/", include("consortium.portal.runs.urls")),
        path("reports/", include("consortium.portal.reports.urls")),
        path("", include("consortium.portal.overview.urls")),
        path("", include("consortium.portal.accounts.urls")),
    ]
else:
    # By dotted path: the project never imports the miner's views.
    urlpatterns += [path("", include("miners.urls"))]

# A miner is an API only: Django's own errors in JSON too; the portal renders its templates (400.html,
# 404.html). Both set in either mode (the tests reload this module in the other mode).
_miner = settings.DEPLOYMENT_MODE == "miner"
handler400 = views.api_bad_request if _miner else defaults.bad_request
handler404 = views.api_not_found if _miner else defaults.page_not_found
handler500 = views.api_server_error if _miner else defaults.server_error
