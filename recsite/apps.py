from django.apps import AppConfig


class RecsiteConfig(AppConfig):
    name = "recsite"
    verbose_name = "recsite site"
