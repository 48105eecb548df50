from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "xinfang.disputes"
    verbose_name = "矛盾纠纷排查化解"
