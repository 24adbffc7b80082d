"""Session rotation, the same on both doors except for which audience a refresh token must belong to; a refused
token is a DomainError, answered by each door's resolver as userErrors."""

from domain import sessions
from domain.sessions import Audience
from schema.common import RefreshTokenInput, RefreshTokenPayload, Session
from schema.context import Context


async def rotate(ctx: Context, audience: Audience, input: RefreshTokenInput) -> RefreshTokenPayload:
    tokens = await sessions.refresh_session(
        mongo=ctx.clients.mongo,
        signer=ctx.clients.signer,
        audience=audience,
        refresh_token=input.refresh_token,
    )
    return RefreshTokenPayload(session=Session.of(tokens))
