"""Documents (文书) of a matter the account may see: as data, and as the Word file."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from xinfang.api.serializers import DocumentSerializer
from xinfang.api.views.base import ApiView, actor
from xinfang.core.permissions import Action, get_matter_for
from xinfang.documents.models import IssuedDocument
from xinfang.documents.selectors import documents_for
from xinfang.documents.views import DOCX, _document_for
from xinfang.documents.word import document_docx


class MatterDocuments(ApiView):
    @extend_schema(summary="事项已出具的文书，最早在前", responses=DocumentSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        matter = get_matter_for(actor(request), pk, Action.VIEW_MATTER)
        return Response(DocumentSerializer(documents_for(matter), many=True).data)


def _document(request: Request, pk: int) -> IssuedDocument:
    return _document_for(actor(request), pk)  # 404 unless its matter is visible


class DocumentDetail(ApiView):
    @extend_schema(summary="一份文书（文号、标题、正文，出具时冻结）", responses=DocumentSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(DocumentSerializer(_document(request, pk)).data)


class DocumentDocx(ApiView):
    @extend_schema(
        summary="文书的 Word 文件",
        responses={(200, DOCX): OpenApiResponse(OpenApiTypes.BINARY, description="Word 文件")},
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        document = _document(request, pk)
        response = HttpResponse(document_docx(document), content_type=DOCX)
        name = f"{document.number}{document.get_kind_display()}.docx"
        response["Content-Disposition"] = content_disposition_header(True, name) or ""
        response["Cache-Control"] = "private, no-store"
        return response
