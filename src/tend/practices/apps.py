from django.apps import AppConfig


class PracticesConfig(AppConfig):
    name = "tend.practices"
    label = "practices"
    verbose_name = "Practices"
