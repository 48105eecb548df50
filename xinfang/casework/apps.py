from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "xinfang.casework"
    verbose_name = "联席会议与交办积案"
