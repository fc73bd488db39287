from django.urls import path

from miners import views

app_name = "miners"

urlpatterns = [path("api/health", views.health, name="health")]
