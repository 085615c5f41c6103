"""The one GraphQL schema, served on the public host and on every union's host (see api.core.view).

Regenerate the committed SDL after changing it:
    .venv/bin/python manage.py graphql_schema --schema api.schema.schema --out graphql/schema.graphql
"""

import graphene

from api.accounts.mutations import AccountMutations
from api.accounts.queries import AccountQueries
from api.assessment.mutations import AssessmentMutations
from api.assessment.queries import AssessmentQueries
from api.audit.queries import AuditQueries
from api.core.types import Node
from api.drives.mutations import DriveMutations
from api.drives.queries import DriveQueries
from api.federations.mutations import FederationMutations
from api.federations.queries import FederationQueries
from api.imports.mutations import ImportMutations
from api.imports.queries import ImportQueries
from api.membership.mutations import MembershipMutations
from api.membership.queries import MembershipQueries
from api.modelworker_care.mutations import ModelWorkerCareMutations
from api.modelworker_care.queries import ModelWorkerCareQueries
from api.modelworkers.mutations import ModelWorkerMutations
from api.modelworkers.queries import ModelWorkerQueries
from api.organisation.mutations import OrganisationMutations
from api.organisation.queries import OrganisationQueries
from api.reporting.mutations import ReportingMutations
from api.reporting.queries import ReportingQueries
from api.rollup.mutations import RollupMutations
from api.rollup.queries import RollupQueries
from api.selfassessment.mutations import SelfAssessmentMutations
from api.selfassessment.queries import SelfAssessmentQueries
from api.transfers.mutations import TransferMutations
from api.transfers.queries import TransferQueries


class Query(
    AccountQueries,
    FederationQueries,
    MembershipQueries,
    OrganisationQueries,
    DriveQueries,
    TransferQueries,
    ImportQueries,
    AuditQueries,
    SelfAssessmentQueries,
    AssessmentQueries,
    ModelWorkerQueries,
    ModelWorkerCareQueries,
    RollupQueries,
    ReportingQueries,
    graphene.ObjectType,
):
    node = Node.Field(
        description="Any object by its global id; null when it does not exist or is not visible."
    )


class Mutation(
    AccountMutations,
    FederationMutations,
    MembershipMutations,
    OrganisationMutations,
    DriveMutations,
    TransferMutations,
    ImportMutations,
    SelfAssessmentMutations,
    AssessmentMutations,
    ModelWorkerMutations,
    ModelWorkerCareMutations,
    RollupMutations,
    ReportingMutations,
    graphene.ObjectType,
):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
