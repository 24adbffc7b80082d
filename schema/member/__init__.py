"""The member schema, served at /graphql/member to the mini-program."""

import strawberry

from api.settings import Settings
from schema.extensions import schema_extensions
from schema.member.auth import AuthMutation
from schema.member.profile import ProfileQuery


@strawberry.type
class Query(ProfileQuery):
    pass


@strawberry.type
class Mutation(AuthMutation):
    pass


def build_member_schema(settings: Settings) -> strawberry.Schema:
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=schema_extensions(settings))
