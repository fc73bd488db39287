from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "consortium.accounts"
    label = "accounts"
