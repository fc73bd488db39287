"""URLs. DEPLOYMENT_MODE picks the set: the portal never routes to miner views, nor back."""

from django.conf import settings
from django.urls import include, path

from consortium import views

urlpatterns = [path("healthz", views.healthz, name="healthz")]

if settings.DEPLOYMENT_MODE == "portal":
    from django.contrib import admin

    urlpatterns += [path("admin/", admin.site.urls)]
else:
    # By dotted path: the project never imports the miner's views.
    urlpatterns += [path("", include("miners.urls"))]
