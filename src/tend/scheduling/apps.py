from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "tend.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling"
