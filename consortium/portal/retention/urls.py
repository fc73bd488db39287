from django.urls import path

from . import views

app_name = "retention"
urlpatterns = [path("<int:period_id>/delete-shares/", views.delete_shares, name="delete")]
