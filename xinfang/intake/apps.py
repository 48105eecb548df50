"""Intake app configuration."""

from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "xinfang.intake"
    label = "intake"
    verbose_name = "登记"
