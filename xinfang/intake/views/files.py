"""Attachments are served only here, to those who may see their matter; never from a public URL."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest

from xinfang.core.masking import free_text_for
from xinfang.core.permissions import Action, get_matter_for
from xinfang.intake.models import Attachment


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = Attachment.objects.select_related("registration").filter(pk=pk).first()
    if attachment is None:
        raise Http404
    get_matter_for(request.user, attachment.registration.matter_id, Action.VIEW_ATTACHMENT)  # type: ignore[arg-type]
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("附件文件已不存在") from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=free_text_for(request.user, attachment.original_name),
        content_type=attachment.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response
