from django.apps import AppConfig


class PeriodsConfig(AppConfig):
    name = "consortium.periods"
    label = "periods"
