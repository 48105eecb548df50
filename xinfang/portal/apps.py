from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "xinfang.portal"
    verbose_name = "信访人门户"
