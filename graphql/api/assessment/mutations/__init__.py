"""Mutations for 职工之家 assessment: thin calls into assessment.services, authorised through api.assessment.access;
one module per area (standards, rounds, inspection, funding, titles). This module assembles the root fields.

Who may do what: federation admins (node.manage) author standards on their node, open, score and publish rounds
and set funding; inspectors (union.inspect on the union: federation staff and admins above it) record acceptance
scores, deductions and vetoes and verify staff counts; the organiser posts results for 公示, records and resolves
objections and publishes with the decision number; titles are managed by whoever manages the awarding node.
"""

from __future__ import annotations

import graphene

from .funding import AssessmentFundingAllocate, AssessmentFundingPoolSet
from .inspection import (
    AssessmentDeductionAdd,
    AssessmentInspectionScoreSet,
    AssessmentStaffCountVerify,
    AssessmentVetoRecord,
)
from .rounds import (
    AssessmentObjectionRecord,
    AssessmentObjectionResolve,
    AssessmentRoundAddUnits,
    AssessmentRoundNoticeOpen,
    AssessmentRoundOpen,
    AssessmentRoundPublish,
    AssessmentRoundScore,
)
from .standards import (
    AssessmentStandardCreate,
    AssessmentStandardNewVersion,
    AssessmentStandardPublish,
    AssessmentStandardUpdate,
)
from .titles import HomeTitleAward, HomeTitleDowngrade, HomeTitleReview, HomeTitleRevoke


class AssessmentMutations(graphene.ObjectType):
    # Lifecycle order: the audit walk (tests/audit) relies on it (draft before publish, inspection before publish).
    assessment_standard_create = AssessmentStandardCreate.Field()
    assessment_standard_update = AssessmentStandardUpdate.Field()
    assessment_standard_publish = AssessmentStandardPublish.Field()
    assessment_standard_new_version = AssessmentStandardNewVersion.Field()
    assessment_round_open = AssessmentRoundOpen.Field()
    assessment_round_add_units = AssessmentRoundAddUnits.Field()
    assessment_inspection_score_set = AssessmentInspectionScoreSet.Field()
    assessment_staff_count_verify = AssessmentStaffCountVerify.Field()
    assessment_deduction_add = AssessmentDeductionAdd.Field()
    assessment_veto_record = AssessmentVetoRecord.Field()
    assessment_round_score = AssessmentRoundScore.Field()
    assessment_round_notice_open = AssessmentRoundNoticeOpen.Field()
    assessment_round_publish = AssessmentRoundPublish.Field()
    # After publish: the walk's scored round publishes before an objection could hold it; objections go to the
    # walk's round already in 公示.
    assessment_objection_record = AssessmentObjectionRecord.Field()
    assessment_objection_resolve = AssessmentObjectionResolve.Field()
    assessment_funding_pool_set = AssessmentFundingPoolSet.Field()
    assessment_funding_allocate = AssessmentFundingAllocate.Field()
    home_title_award = HomeTitleAward.Field()
    home_title_review = HomeTitleReview.Field()
    home_title_downgrade = HomeTitleDowngrade.Field()
    home_title_revoke = HomeTitleRevoke.Field()
