"""职工之家 self-assessment with evidence (union host)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from api.core import ids
from files.selectors import file_download_url
from selfassessment import selectors as sa

from ..gql import MutationResult, run_mutation
from .common import _not_found, _union_page

# --- 职工之家 self-assessment with evidence (union host) ----------------------------------------------------------

SELF_SAVE = """
mutation($participant: ID!, $items: [SelfScoreInput!]!) {
  selfAssessmentSave(participant: $participant, items: $items) { errors { field code message } }
}
"""
EVIDENCE_UPLOAD = """
mutation($participant: ID!, $itemCode: String!, $evidenceName: String!) {
  selfAssessmentEvidenceUpload(participant: $participant, itemCode: $itemCode, evidenceName: $evidenceName) {
    errors { field code message }
  }
}
"""
SELF_SUBMIT = """
mutation($participant: ID!) { selfAssessmentSubmit(participant: $participant) { errors { field code message } } }
"""


@login_required
@require_http_methods(["GET", "POST"])
def selfassessment(request):
    union = _union_page(request)
    actor = request.actor
    if not sa.can_view(actor, union):
        raise _not_found()
    participants = list(sa.participations(union=union)[:50])
    chosen = participants[0] if participants else None
    wanted = request.POST.get("participant") or request.GET.get("participant")
    if wanted:
        chosen = next((p for p in participants if str(p.pk) == wanted), None)
        if chosen is None:
            raise _not_found()
    errors: list[dict] = []
    if request.method == "POST" and chosen is not None:
        result = _selfassessment_post(request, chosen)
        if result.ok:
            done = request.POST.get("action", "save")
            return redirect(f"{reverse('web-selfassessment')}?participant={chosen.pk}&done={done}")
        errors = result.errors
    view = sa.self_assessments_view(participants=[chosen])[0] if chosen is not None else None
    if view is not None:
        for item in view.items:
            item.evidence_links = [
                (
                    e,
                    file_download_url(
                        key=e.file_key, user=request.user, expires=300, download_name=e.file_name
                    ),
                )
                for e in item.evidence
            ]
    context = {
        "nav": "selfassessment",
        "union": union,
        "participants": participants,
        "chosen": chosen,
        "view": view,
        "editable": view is not None and view.editable and sa.can_edit(actor, union),
        "can_submit": sa.can_submit(actor, union),
        "errors": errors,
        "done": request.GET.get("done", ""),
    }
    return render(request, "web/selfassessment.html", context, status=400 if errors else 200)


def _selfassessment_post(request, participant):
    participant_id = ids.to_global_id("RoundParticipant", participant.pk)
    action = request.POST.get("action")
    if action == "upload":
        upload = request.FILES.get("file")
        if upload is None:
            return MutationResult(errors=[{"field": "file", "message": _("请选择要上传的佐证材料。")}])
        variables = {
            "participant": participant_id,
            "itemCode": request.POST.get("item_code", ""),
            "evidenceName": upload.name,
        }
        return run_mutation(request, EVIDENCE_UPLOAD, variables, field_name="selfAssessmentEvidenceUpload")
    if action == "submit":
        return run_mutation(
            request, SELF_SUBMIT, {"participant": participant_id}, field_name="selfAssessmentSubmit"
        )
    items = []
    for code in request.POST.getlist("item"):
        score = request.POST.get(f"score_{code}", "").strip()
        entry = {"itemCode": code, "note": request.POST.get(f"note_{code}", "")}
        if score:
            entry["score"] = score
        else:
            entry["clearScore"] = True
        items.append(entry)
    return run_mutation(
        request, SELF_SAVE, {"participant": participant_id, "items": items}, field_name="selfAssessmentSave"
    )
