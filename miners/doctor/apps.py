from django.apps import AppConfig


class DoctorConfig(AppConfig):
    name = "miners.doctor"
    label = "miner_doctor"
