"""The public member-appraisal page (/appraisal/<token>/ on a union's host): a mobile form, no login, CSRF on,
rate limited like the joining page. It calls the same service as the GraphQL `appraisalSubmit` mutation."""

from __future__ import annotations

from django import forms
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from audit.middleware import client_ip
from federations.models import Union
from unionhub.errors import DomainValidationError

from .links import invalid_link
from .models import AREAS, RATING_MAX, RATING_MIN, Overall
from .services import appraisal_code_send, appraisal_link_check, appraisal_submit

TOKEN_ERROR_STATUS = {"invalid_token": 404, "expired_token": 410, "not_started": 403, "round_closed": 410}
FORM_FIELDS = ("name", "id_number", "code", "overall", *AREAS)
RATING_CHOICES = [(str(n), str(n)) for n in range(RATING_MAX, RATING_MIN - 1, -1)]


class AppraisalForm(forms.Form):
    """Collects text; every rule lives in the service (the page and the mutation give the same messages)."""

    name = forms.CharField(label=_("姓名"), required=False)
    id_number = forms.CharField(label=_("身份证号码"), required=False)
    code = forms.CharField(label=_("短信验证码"), required=False)
    overall = forms.ChoiceField(
        label=_("您对本工会“职工之家”建设的总体评价"),
        choices=Overall.choices,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for area, label in AREAS.items():
            self.fields[area] = forms.ChoiceField(
                label=label, choices=RATING_CHOICES, required=False, widget=forms.RadioSelect
            )
        self.fields["name"].widget.attrs.update({"autocomplete": "name", "maxlength": "50"})
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "maxlength": "24"})
        self.fields["code"].widget.attrs.update(
            {"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "6"}
        )

    def rating_fields(self):
        return [self[area] for area in AREAS]


def _host_union(request):
    tenant = getattr(request, "tenant", None)
    return tenant if isinstance(tenant, Union) else None


def _token_error_page(request, exc: DomainValidationError):
    error = exc.errors[0]
    status = TOKEN_ERROR_STATUS.get(error.code, 400)
    return render(request, "appraisal/invalid.html", {"message": error.message}, status=status)


def _resolve(request, token, *, rate_limit: bool):
    union = _host_union(request)
    if union is None:  # the public host serves no appraisal form
        raise invalid_link()
    _link, participant, _survey = appraisal_link_check(
        token=token, union=union, client_address=client_ip(request), rate_limit=rate_limit
    )
    return union, participant


@never_cache
@require_http_methods(["GET", "POST"])
def appraisal_page(request, token: str):
    try:
        union, participant = _resolve(request, token, rate_limit=False)
    except DomainValidationError as exc:
        return _token_error_page(request, exc)
    if request.method == "GET":
        form = AppraisalForm()
        return render(request, "appraisal/form.html", _context(union, participant, form))
    form = AppraisalForm(request.POST)
    form.is_valid()  # fills cleaned_data; the rules are the service's
    data = {key: request.POST.get(key, "") for key in FORM_FIELDS}
    sent_to = ""
    try:
        if request.POST.get("action") == "send_code":
            sent_to = appraisal_code_send(
                token=token,
                union=union,
                name=data["name"],
                id_number=data["id_number"],
                client_address=client_ip(request),
            )
            form.errors.clear()
            return render(request, "appraisal/form.html", _context(union, participant, form, sent_to=sent_to))
        appraisal_submit(
            token=token,
            union=union,
            name=data["name"],
            id_number=data["id_number"],
            overall=data["overall"],
            ratings={area: data[area] for area in AREAS},
            client_address=client_ip(request),
            code=data["code"],
        )
    except DomainValidationError as exc:
        if any(e.field == "token" for e in exc.errors):
            return _token_error_page(request, exc)
        form.errors.clear()  # only the service's messages are shown
        for error in exc.errors:
            form.add_error(error.field if error.field in FORM_FIELDS else None, error.message)
        status = 429 if any(e.code == "rate_limited" for e in exc.errors) else 400
        return render(request, "appraisal/form.html", _context(union, participant, form), status=status)
    return redirect("appraisal-done", token=token)


def _context(union, participant, form, *, sent_to: str = "") -> dict:
    from assessment.models import AppraisalVerification

    return {
        "union": union,
        "participant": participant,
        "round": participant.round,
        "form": form,
        "by_sms": participant.round.appraisal_verification == AppraisalVerification.SMS,
        "code_sent_to": sent_to,
    }


@never_cache
@require_http_methods(["GET"])
def appraisal_done(request, token: str):
    union = _host_union(request)
    if union is None:
        return _token_error_page(request, invalid_link())
    return render(request, "appraisal/done.html", {"union": union})
