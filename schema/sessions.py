"""Session rotation, the same on both doors except for which audience a refresh token must belong to."""

from domain import sessions
from domain.errors import DomainError
from domain.sessions import Audience
from schema.common import RefreshTokenInput, RefreshTokenPayload, Session
from schema.context import Context


async def rotate(ctx: Context, audience: Audience, input: RefreshTokenInput) -> RefreshTokenPayload:
    try:
        tokens = await sessions.refresh_session(
            mongo=ctx.clients.mongo,
            signer=ctx.clients.signer,
            audience=audience,
            refresh_token=input.refresh_token,
        )
    except DomainError as e:
        return RefreshTokenPayload(session=None, user_errors=ctx.user_errors(e))
    return RefreshTokenPayload(session=Session.of(tokens), user_errors=[])
