"""The import error file download: built for the user the link was issued to, audited (imports.rejections)."""

from django.contrib.auth import get_user_model
from django.core import signing
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.access import AccessDenied, actor_for
from files.selectors import _attachment

from .rejections import error_file_build, error_file_link_open, error_file_name
from .selectors import import_job_access

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
def import_error_file(request, token: str):
    try:
        job_id, user_id, scopes = error_file_link_open(token)
    except signing.SignatureExpired:
        return HttpResponse(
            _("下载链接已过期，请重新获取。"), status=410, content_type="text/plain; charset=utf-8"
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return HttpResponseForbidden(_("下载链接无效。"), content_type="text/plain; charset=utf-8")
    signed_in = getattr(request, "user", None)
    if signed_in is None or not signed_in.is_authenticated or signed_in.pk != user_id:
        # The link is bound to the user it was issued to, signed in (session or API token), like every staff
        # download (files.views): anyone else, or nobody signed in, gets nothing.
        return HttpResponseForbidden(_("下载链接无效。"), content_type="text/plain; charset=utf-8")
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    # Access is decided now, not when the link was issued (a role withdrawn meanwhile counts).
    actor = actor_for(user, token_scopes=scopes)
    try:
        job = import_job_access(actor, job_id)
        content, _full = error_file_build(job, actor)
    except AccessDenied:
        raise Http404(_("文件不存在。")) from None
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = _attachment(error_file_name(job))
    response["Cache-Control"] = "private, no-store"
    return response
