"""What every endpoint shares: Chinese messages whatever the client asks, the one pagination."""

from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.utils import translation
from rest_framework import generics, views

from xinfang.accounts.models import User
from xinfang.api.paging import Pagination


class ChineseMixin:
    """Messages in Chinese (DRF's and Django's too), whatever Accept-Language the client sends."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        with translation.override("zh-hans"):
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class ApiView(ChineseMixin, views.APIView):
    pass


class ApiListView(ChineseMixin, generics.GenericAPIView):
    pagination_class = Pagination


def actor(request: Any) -> User:
    user: User = request.user
    return user
