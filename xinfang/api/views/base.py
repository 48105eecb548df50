"""What every endpoint shares: Chinese messages whatever the client asks, the one pagination."""

from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.utils import translation
from rest_framework import exceptions, generics, views

from xinfang.accounts.models import User
from xinfang.api.paging import Pagination


class ChineseMixin:
    """Messages in Chinese (DRF's and Django's too), whatever Accept-Language the client sends;
    a query value with a NUL character is refused before anything looks it up (PostgreSQL
    cannot even compare one)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        with translation.override("zh-hans"):
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        bad = {
            name: ["不能包含空字符（\\0）"]
            for name, values in request.query_params.lists()
            if "\x00" in name or any("\x00" in value for value in values)
        }
        if bad:
            raise exceptions.ValidationError(bad)


class ApiView(ChineseMixin, views.APIView):
    pass


class ApiListView(ChineseMixin, generics.GenericAPIView):
    pagination_class = Pagination


def actor(request: Any) -> User:
    user: User = request.user
    return user
