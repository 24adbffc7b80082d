"""The admin schema, served at /graphql/admin to the staff's mobile admin."""

import strawberry

from api.settings import Settings
from schema.admin.auth import StaffAuthMutation
from schema.admin.tenancy import TenancyMutation, TenancyQuery
from schema.extensions import schema_extensions


@strawberry.type
class Query(TenancyQuery):
    pass


@strawberry.type
class Mutation(StaffAuthMutation, TenancyMutation):
    pass


def build_admin_schema(settings: Settings) -> strawberry.Schema:
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=schema_extensions(settings))
