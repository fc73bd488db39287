from django.urls import path

from . import api_views, views

app_name = "submissions"
urlpatterns = [
    path("", views.history, name="history"),
    path("form/<int:period_id>/", views.form, name="form"),
    path("receipts/", api_views.ReceiptsView.as_view(), name="receipts"),
    path("feedback/<uuid:form_id>/", views.feedback, name="feedback"),
]
