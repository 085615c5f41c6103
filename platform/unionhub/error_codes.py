"""Every code a typed error (`FieldError.code`, GraphQL `Error.code`) may carry, declared per domain with what it means.

One registry: a domain declares the codes its services and API raise in its own set below; codes that several domains
use in the same sense are declared once in "common". The API exposes them as the `ErrorCode` enum (values spelled as
here, so the wire format is the code itself), and tests/platform/test_error_codes.py fails when a service raises a
code that is not declared for its domain. The message (Chinese, for people) says more; clients branch on the code.
"""

from __future__ import annotations

from dataclasses import dataclass

DOMAIN_CODES: dict[str, dict[str, str]] = {
    "common": {
        # Input shape, shared by every domain.
        "required": "A required value is missing.",
        "invalid": "The value is not valid (format, range or kind); the message says which rule it breaks.",
        "invalid_choice": "The value is not one of the allowed choices.",
        "too_long": "The text is longer than allowed.",
        "max_length": "The text is longer than the field allows.",
        "blank": "The value may not be empty.",
        "unique": "Another record already uses this value.",
        "duplicate": "The same entry appears twice, or is already there.",
        "unknown_field": "The input names a field that cannot be set or changed.",
        "invalid_characters": "The value holds characters that are not allowed (NUL in text; non-digits in a number).",
        "invalid_base64": "A file's content is not valid Base64.",
        "invalid_phone": "Not an 11-digit mainland China mobile number.",
        "invalid_level": "Not a known organisation or reporting level.",
        "invalid_token": "A link's token is not valid (ask the union for a new link).",
        "expired_token": "A link's token has expired (its drive or appraisal has ended).",
        "order": "Dates or deadlines are in the wrong order.",
        "in_future": "The date may not be later than today.",
        "before_start": "The end lies before the start.",
        "before_birth": "The date lies before the person's date of birth.",
        "before_award": "The date lies before the title was awarded.",
        # Access and availability (api.core.errors, accounts.access, unionhub.errors.ServiceUnavailable).
        "not_found": "The record does not exist or the actor may not see it (the same answer for both).",
        "permission_denied": "The actor may not do this (or must sign in first).",
        "service_unavailable": "A service UnionHub depends on is unreachable; nothing was written, retry later.",
        "rate_limited": "Too many submissions from here (a public form); try again later.",
        # States shared by several workflows.
        "inactive": "The user, union or unit is not active.",
        "not_active": "The member or title is no longer active.",
        "not_holding": "The title was revoked or its holder has died.",
        "illegal_transition": "The status cannot change from the current one to the one asked for.",
        "already_closed": "The batch or period is already closed.",
        "already_decided": "The request was already decided.",
        "already_member": "The person is already a member of this union.",
        "already_submitted": "It was already submitted.",
        "closing": "The reporting period is being closed; try again when the close has finished.",
        "deadline_passed": "The deadline has passed.",
        "not_started": "It has not started yet.",
        "round_closed": "The assessment round is scored or published: no more changes of this kind.",
        "same_union": "The other union is this same union.",
        "unknown_branch": "The branch does not belong to this union.",
        "unknown_item": "The assessment standard has no item with this code.",
        "file_type_not_allowed": "The file's type is not accepted here (the message lists the accepted types).",
        "invalid_check_character": "The check character of an identity number or credit code is wrong.",
    },
    "accounts": {
        "in_past": "The expiry lies in the past.",
        "invalid_role": "Not a known role.",
        "invalid_scope": "Not a known scope for this role.",
        "not_allowed": "The role cannot be granted this way (e.g. a platform role on one organisation).",
    },
    "assessment": {
        "allocated": "The round's funding is already allocated.",
        "branch_not_found": "The union has no branch with this id.",
        "branches_not_allowed": "The standard does not apply to branches (职工小家).",
        "decimal_places": "A score has more than two decimal places.",
        "draft_exists": "The standard already has an unpublished draft version.",
        "full_or_zero": "The item scores either full points or zero.",
        "immutable": "The standard's code cannot change.",
        "max_value": "The value is above the allowed maximum.",
        "min_value": "The value is below the allowed minimum.",
        "mixed": "A standard cannot mix the 合格/先进/模范 grades with star grades.",
        "no_bonus_items": "A bonus cap is set but the standard has no bonus items.",
        "no_pool": "The round has no funding pool yet.",
        "nobody_eligible": "No participant qualifies for funding.",
        "not_lower": "A downgrade must go to a lower grade of the same scheme.",
        "not_published": "The standard or the round's results are not published yet.",
        "not_scored": "The round must be scored before it is published.",
        "not_spot_check": "The item is not a spot-check deduction item.",
        "not_veto": "The item is not a veto item.",
        "out_of_scope": "The unit or standard is outside the organiser's jurisdiction.",
        "points": "The points value is not valid.",
        "published": "The round's results are published: they cannot change.",
        "step": "The score is not a multiple of the item's step.",
        "sum_mismatch": "The items' points do not add up to the standard's base maximum.",
        "unit_type": "The union's unit type is not covered by the standard.",
        "unknown_grade": "The standard has no grade with this code.",
    },
    "drives": {
        "invalid_rate": "A target join rate is outside 0‰ to 1000‰.",
        "negative_target": "A new-member target is negative.",
        "outside_scope": "The union is outside the drive's scope.",
    },
    "federations": {
        "duplicate_domain": "The domain is already in use.",
        "exceeds_staff": "More female staff than staff.",
        "invalid_division_code": "Not a valid administrative division code.",
        "invalid_format": "The code does not have the required format.",
        "invalid_parent_level": "An organisation of this level cannot sit under the chosen parent.",
        "invalid_slug": "The union's address name is not valid.",
        "reserved_slug": "The union's address name is reserved.",
    },
    "files": {
        "file_corrupt": "The file is damaged, or unpacks to more than allowed.",
        "file_empty": "The file is empty.",
        "file_encoding_unknown": "The text file's encoding is not recognised (UTF-8 or GBK expected).",
        "file_extension_not_allowed": "The file name's extension is not accepted here.",
        "file_legacy_office": "An old Office format (.xls/.doc): save it as .xlsx/.docx.",
        "file_too_large": "The file is larger than allowed.",
        "file_type_mismatch": "The file's content does not match its name's extension.",
        "file_type_unknown": "The file's type cannot be recognised from its content.",
        "file_zip_not_office": "A ZIP file that is not an Office document.",
    },
    "imports": {
        "union_not_active": "The union is not active: no imports or exports.",
        "unknown_kind": "Not a supported import or export kind.",
    },
    "membership": {
        "active_elsewhere": "The person is an active member of another union: a transfer is needed.",
        "ambiguous": "Several branches or groups have this name: give the full path.",
        "duplicate_in_file": "The identity number or card number appears twice in the file.",
        "invalid_amount": "The amount must be above zero with at most two decimal places.",
        "invalid_date": "Not a date of the form 2024-05-01.",
        "invalid_month": "Not a month of the form 2025-03.",
        "invalid_reason": "Not one of the allowed reasons.",
        "too_early": "The date lies before joining or before the last status change.",
    },
    "modelworker_care": {
        "already_filed": "The year's assessment is already filed.",
        "already_given": "The benefit for this month or year is already recorded.",
        "already_retired": "The model worker's retirement is already recorded.",
        "conflict": "The other side is signing the same assessment right now; reload and retry.",
        "deceased": "The model worker has died: no more life events.",
        "disagree": "The federation's and the employer's conclusions differ.",
        "employer_outside": "The employer is not on the platform: the federation signs for it.",
        "federation_side_here": "A union signs as the employer only; the federation signs on its own host.",
        "future": "The assessment year has not started.",
        "no_rule": "No allowance rule applies to the month.",
        "not_a_transfer": "A new employer is only given for an employer change.",
        "not_managed": "The model worker is not under continuation management.",
        "not_month_start": "Allowances are monthly: the first month starts on day 1.",
        "on_behalf_employer_only": "The federation may only sign for the employer.",
        "outside_term": "The date or year is outside the period with model-worker benefits.",
        "overlap": "The allowance rule overlaps an existing one.",
        "revoked": "The title was revoked: benefits have ended.",
        "too_large": "The amount is above the sanity bound (¥1,000,000).",
        "use_allowance_pay": "Allowances are recorded month by month (allowancePay).",
    },
    "modelworkers": {
        "already_approved": "The public notice is already approved.",
        "already_awarded": "The batch has awards: its quotas cannot change.",
        "already_nominated": "The member is already nominated in this batch.",
        "already_resolved": "The objection is already resolved.",
        "approved": "The public notice is approved: no more objections.",
        "before_last_change": "The date lies before the award or the last status change.",
        "before_proposal": "The approval lies before the proposal.",
        "cannot_award": "Only city and county federations award model-worker titles.",
        "closed": "The batch is closed.",
        "exceeds_attendance": "More votes for than attending representatives.",
        "nobody_left": "Nobody on the notice can be awarded.",
        "nominations_open": "The batch still has undecided nominations.",
        "not_accepted": "Only accepted nominations not yet on a notice can be published.",
        "not_active_member": "The nominee is not an active member of the nominating union.",
        "not_on_notice": "The nominee is not on the public notice.",
        "not_passed": "The workers' congress did not pass the nomination (votes for not above half).",
        "not_subset": "The counted categories must be within the base categories.",
        "notice_running": "The notice period has not ended.",
        "objections_open": "Objections received during the notice are not all resolved.",
        "out_of_range": "The number is outside the allowed range.",
        "outside_node": "The union is outside the awarding federation's jurisdiction or the batch's scope.",
        "outside_notice": "Objections are raised within the notice period.",
        "places_exceeded": "The awards would exceed the batch's places.",
        "quota_broken": "The awards would break a category quota.",
        "revocation_open": "A revocation is already waiting for approval.",
        "revocation_required": "Revoking a title needs an approved revocation.",
        "term_not_over": "The continuation term has not ended.",
        "too_many": "Too many attachments.",
        "wrong_status": "The nomination's status does not allow this.",
    },
    "operations": {
        "invalid_lease": "The lease time must be above zero.",
        "invalid_params": "The job's parameters are malformed.",
        "unknown_job": "Not a known bulk job.",
        "unknown_union": "The union does not exist.",
    },
    "organisation": {
        "cycle": "A branch cannot move under itself or one of its descendants.",
        "group_has_no_children": "A union group (工会小组) has no organisations below it.",
        "has_children": "The organisation has organisations below it.",
        "has_members": "The organisation still has member records.",
    },
    "people": {
        "birth_date_in_future": "The identity number's date of birth lies in the future.",
        "birth_date_too_early": "The identity number's date of birth is before 1900.",
        "invalid_area_code": "The identity number's area code is not valid.",
        "invalid_birth_date": "The identity number's date of birth is not a real date.",
        "invalid_length": "The identity number has the wrong length.",
    },
    "recruitment": {
        "duplicate_pending": "An application from this person is already waiting for review.",
    },
    "reporting": {
        "already_accepted": "The report is already accepted.",
        "before_period": "The deadline lies before the reporting period starts.",
        "check_failed": "A logic check fails: correct the data or explain it.",
        "delivered": "The delivery already arrived: nothing to resend.",
        "no_such_failure": "The unit has no such logic-check failure to explain.",
        "not_reporting_unit": "The organisation is not in the statistical reporting chain.",
        "not_submitted": "The report is not in a state that can be reviewed or returned.",
        "outside_period": "The unit is outside this reporting period's scope.",
        "reviewer_submitted": "The reviewer's own report is submitted: it cannot return reports now.",
        "too_short": "The signing secret is too short.",
        "units_pending": "Reports of units below are not all accepted.",
    },
    "rollup": {
        "not_closed": "The reporting period is not closed: nothing to revise.",
        "not_ended": "The reporting period has not ended: it cannot close.",
        "unknown": "Not a known statistical indicator.",
    },
    "selfassessment": {
        "already_open": "The member appraisal is already open.",
        "already_responded": "This member has already answered the appraisal.",
        "evidence_required": "Items need evidence before the self-assessment is submitted.",
        "invalid_rating": "A rating is missing or outside the scale.",
        "no_members": "The union has no active members to appraise.",
        "not_member": "No active member matches the name and identity number.",
        "too_many_files": "Too many evidence files for the item.",
    },
    "transfers": {
        "already_released": "The origin union has already released the member.",
        "membership_changed": "The member's status in the origin union changed: the transfer cannot go on.",
        "not_active_elsewhere": "The person is not a member elsewhere: join directly.",
        "not_released": "The origin union has not released the member yet.",
        "not_requester": "Only the union that asked for the transfer can withdraw it.",
        "not_your_turn": "The other union has to act on the transfer now.",
        "transfer_open": "The person already has a transfer in progress.",
        "union_host_required": "Transfers are handled on the union's own host.",
        "wrong_side": "Only the origin (release) or destination (accept) union may do this.",
    },
}


@dataclass(frozen=True)
class ErrorCode:
    code: str
    domain: str
    description: str


def _flatten() -> dict[str, ErrorCode]:
    codes: dict[str, ErrorCode] = {}
    for domain, declared in DOMAIN_CODES.items():
        for code, description in declared.items():
            if code in codes:  # one meaning per code: shared codes belong in "common"
                raise ValueError(f"error code {code!r} declared by {codes[code].domain} and {domain}")
            codes[code] = ErrorCode(code, domain, description)
    return codes


ERROR_CODES: dict[str, ErrorCode] = _flatten()
