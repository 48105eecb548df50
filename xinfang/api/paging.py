"""The one pagination and the content negotiation of the API (kept apart from the views)."""

from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination


class FirstRendererNegotiation(DefaultContentNegotiation):
    """Answers in the view's first renderer (JSON) whatever Accept says: no 406 to explain."""

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return (renderers[0], renderers[0].media_type)


class Pagination(PageNumberPagination):
    """The one pagination: ?page=N&page_size=M (at most 100), with count, next and previous."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    invalid_page_message = "没有这一页：页码须为 1 至总页数之间的整数"
