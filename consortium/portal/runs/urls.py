from django.urls import path

from . import views

app_name = "runs"
urlpatterns = [
    path("", views.index, name="list"),
    path("periods/<int:period_id>/start/", views.start, name="start"),
    path("<uuid:run_id>/", views.detail, name="detail"),
    path("<uuid:run_id>/status.json", views.status, name="status"),
    path("<uuid:run_id>/restart/", views.restart, name="restart"),
]
