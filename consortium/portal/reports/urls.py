from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/notes/", views.notes, name="notes"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/export.xlsx", views.export, name="export"),
]
