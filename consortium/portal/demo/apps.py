from django.apps import AppConfig


class DemoConfig(AppConfig):
    """`manage.py demo`: a demo consortium's accounts and periods, and staff's steps as commands."""

    name = "consortium.portal.demo"
    label = "demo"
    verbose_name = "Demo"
