from django.apps import AppConfig


class HearingsConfig(AppConfig):
    name = "xinfang.hearings"
    verbose_name = "信访听证"
