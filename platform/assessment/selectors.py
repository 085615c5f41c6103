"""Reading assessment data. Access is decided by the callers (GraphQL via accounts.access); these only fetch."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Exists, OuterRef, Q

from accounts.access import Perm
from federations.models import FederationNode, Union

from .models import Result, Round, RoundParticipant, RoundStatus, Standard, StandardItem, Title


def appraisal_breakdown_withheld(responses: int) -> bool:
    """Whether a 会员评家 has too few responses to show its breakdown (answer counts, area averages, satisfaction) to
    anyone: with one response the averages are that member's answers. Scoring still uses the real counts."""
    return responses < settings.UNIONHUB_APPRAISAL_MIN_RESPONSES


def participant_for_union(*, round_id, union, branch_id: int = 0) -> RoundParticipant | None:
    """The union's (branch 0) or one branch's participation in a round, or None (also for a malformed id)."""
    try:
        round_pk = int(round_id)
        branch_pk = int(branch_id or 0)
    except (TypeError, ValueError):
        return None
    return (
        RoundParticipant.objects.select_related("round", "round__standard", "union")
        .filter(round_id=round_pk, union=union, branch_id=branch_pk)
        .first()
    )


def round_items(*, round) -> list[StandardItem]:
    """The items of the round's standard version, in sheet order (section, then item)."""
    return list(
        StandardItem.objects.filter(standard_id=round.standard_id)
        .select_related("section")
        .order_by("section__position", "position")
    )


# --- Visibility (the GraphQL layer passes the request's actor and host union) -----------------------------------


def _ancestor_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def standard_list(*, actor, union=None):
    """Standards the actor may see: issued by a node it sees, or by a federation above one of its nodes (a county
    uses its city's standard). None on a union host (standards are federation data)."""
    if union is not None:
        return Standard.objects.none()
    if actor.can_globally(Perm.NODE_VIEW):
        return Standard.objects.all()
    ancestors: set[int] = set()
    for grant in actor._grants_with(Perm.NODE_VIEW):
        if grant.node_path:
            ancestors.update(_ancestor_ids(grant.node_path))
    visible_nodes = _node_ids_query(actor)
    return Standard.objects.filter(Q(issuer_id__in=visible_nodes) | Q(issuer_id__in=sorted(ancestors)))


def _node_ids_query(actor):
    return FederationNode.objects.filter(actor.node_filter(Perm.NODE_VIEW)).values("pk")


def participant_list(*, actor, union=None):
    """Participants the actor may see. Public host: unions it may inspect (a federation's subtree, inspectors
    included). Union host: that union's own rows, once it may see the union."""
    rows = RoundParticipant.objects.all()
    if union is not None:
        if not actor.can_on_union(Perm.UNION_VIEW, union):
            return rows.none()
        return rows.filter(union_id=union.pk)
    # Seeing is a federation-side read (NODE_VIEW: held by exactly the roles that hold UNION_INSPECT, and kept by
    # a read-only dashboard token, which UNION_INSPECT is not); union roles lack it, so unpublished results stay
    # hidden from unions here. Scoring checks UNION_INSPECT itself.
    if actor.can_globally(Perm.NODE_VIEW):
        return rows
    return rows.filter(union_id__in=Union.objects.filter(actor.union_filter(Perm.NODE_VIEW)).values("pk"))


def round_list(*, actor, union=None):
    """Rounds the actor may see: organised by a node it sees, or with a participant it may see."""
    participants = participant_list(actor=actor, union=union).filter(round_id=OuterRef("pk"))
    if union is not None:
        return Round.objects.filter(Exists(participants))
    return Round.objects.filter(Q(organiser_id__in=_node_ids_query(actor)) | Exists(participants))


def result_list(*, actor, union=None):
    """Results the actor may see: those of visible participants; a union sees its own only once published."""
    rows = Result.objects.filter(participant__in=participant_list(actor=actor, union=union).values("pk"))
    if union is not None:
        rows = rows.filter(round__status=RoundStatus.PUBLISHED)
    return rows


def title_list(*, actor, union=None):
    if union is not None:
        if not actor.can_on_union(Perm.UNION_VIEW, union):
            return Title.objects.none()
        return Title.objects.filter(union_id=union.pk)
    if actor.can_globally(Perm.UNION_VIEW):
        return Title.objects.all()
    return Title.objects.filter(
        union_id__in=Union.objects.filter(actor.union_filter(Perm.UNION_VIEW)).values("pk")
    )
