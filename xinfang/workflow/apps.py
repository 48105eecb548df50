"""Workflow app configuration."""

from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "xinfang.workflow"
    label = "workflow"
    verbose_name = "办理流程"
