"""URLs. DEPLOYMENT_MODE picks the set: the portal never routes to miner views, nor back."""

from django.conf import settings
from django.urls import include, path

from consortium import views

urlpatterns = [path("healthz", views.healthz, name="healthz")]

if settings.DEPLOYMENT_MODE == "portal":
    from django.contrib import admin
    from drf_spectacular.views import SpectacularAPIView

    urlpatterns += [
        path("admin/", admin.site.urls),
        path("i18n/", include("django.conf.urls.i18n")),
        path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
        path("api/miner/runs/", include("consortium.runs.api_urls")),
        path("api/miner/", include("consortium.submissions.api_urls")),
        path("submissions/", include("consortium.submissions.urls")),
        path("analyses/", include("consortium.runs.urls")),
        path("reports/", include("consortium.reports.urls")),
        path("", include("consortium.accounts.urls")),
    ]
else:
    # By dotted path: the project never imports the miner's views.
    urlpatterns += [path("", include("miners.urls"))]
