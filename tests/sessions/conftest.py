"""A signed-in member for the session tests: what the mini-program holds after its first login."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from bson import ObjectId

from domain.keyring import Keyring
from domain.sessions import Audience, Principal, TokenSigner
from schema.ids import from_global_id
from tests.conftest import SECRET_KEY, Gql, Shop
from tests.members.conftest import fresh_code, log_in


@dataclass(frozen=True)
class SignedIn:
    member_id: ObjectId
    merchant_id: ObjectId
    access_token: str
    refresh_token: str

    @property
    def principal(self) -> Principal:
        return Principal(Audience.MEMBER, self.member_id, self.merchant_id)


def signer(secret: str = SECRET_KEY, access_ttl: timedelta = timedelta(minutes=15)) -> TokenSigner:
    """A signer like the app's, so a test can make tokens the app would (or would not) have made."""
    return TokenSigner(Keyring(secret), access_ttl=access_ttl, refresh_ttl=timedelta(days=30))


@pytest.fixture
async def member(gql: Gql, shop: Shop) -> SignedIn:
    payload = await log_in(gql, shop, fresh_code("member"))
    member_id = from_global_id("Member", payload["member"]["id"])
    assert member_id is not None, payload
    session = payload["session"]
    return SignedIn(member_id, shop.merchant.merchant.id, session["accessToken"], session["refreshToken"])
