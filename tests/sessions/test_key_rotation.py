"""Rotating JIKE_SECRET_KEY: what the old key signed still verifies while it is kept in JIKE_SECRET_KEY_PREVIOUS and
is refused once it is removed, everything new is signed with the new key and names it, and a token naming a key
that is not ours is refused like any bad token.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import jwt
import pytest
from asgi_lifespan import LifespanManager
from bson import ObjectId
from pydantic import SecretStr

from api.app import create_app
from domain import reconciliation
from domain.cards import member_code
from domain.cards.errors import CardError
from domain.coupons import redemption
from domain.coupons.errors import CouponError
from domain.keyring import Keyring, key_id
from domain.reconciliation import ReconciliationError
from domain.sessions import Audience, InvalidToken, Principal, TokenSigner
from startup.settings import Settings, SettingsRefused
from tests.conftest import SECRET_KEY, Gql
from tests.sessions.conftest import SignedIn
from tests.sessions.test_refresh_tokens import ME, REFRESH

NEW_KEY = "the-new-secret-key-" + "n" * 32
ROTATED = Keyring(NEW_KEY, previous=(SECRET_KEY,))
AFTER_THE_WINDOW = Keyring(NEW_KEY)


@asynccontextmanager
async def door_with(settings: Settings, secret_key: str, previous: str | None) -> AsyncIterator[Gql]:
    """The API restarted with its keys rotated, over the same database."""
    rotated = settings.model_copy(
        update={
            "secret_key": SecretStr(secret_key),
            "secret_key_previous": None if previous is None else SecretStr(previous),
        }
    )
    app = create_app(rotated)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://jike.test") as http:
            yield Gql(http)


def _kid(token: str) -> object:
    return jwt.get_unverified_header(token).get("kid")


async def test_a_member_signed_in_before_the_rotation_stays_signed_in(settings: Settings, member: SignedIn) -> None:
    # given a member signed in under the old key
    assert _kid(member.access_token) == key_id(SECRET_KEY)

    # when the API is restarted with a new key and the old one kept as previous
    async with door_with(settings, NEW_KEY, previous=SECRET_KEY) as gql:
        during = await gql.raw("member", ME, token=member.access_token)
        refreshed = (await gql("member", REFRESH, {"token": member.refresh_token}))["data"]["refreshToken"]

    # then their access token still reaches `me`, and the session it refreshes to is signed with the new key
    assert during.status_code == 200 and "errors" not in during.json(), during.text
    session = refreshed["session"]
    assert refreshed["userErrors"] == [] and _kid(session["accessToken"]) == key_id(NEW_KEY)

    # when the old key is removed after the window
    async with door_with(settings, NEW_KEY, previous=None) as gql:
        old = await gql.raw("member", ME, token=member.access_token)
        new = await gql("member", ME, token=session["accessToken"])

    # then the old key's token is refused and the new one still works: nobody was signed out on the way
    assert old.status_code == 401 and old.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "errors" not in new, new


@pytest.mark.parametrize(
    "headers",
    [{"kid": "notours1"}, {}],
    ids=["unknown key id", "no key id"],
)
def test_a_token_naming_no_key_of_ours_is_refused(headers: dict[str, object]) -> None:
    # given a well-formed, unexpired token, signed with our current key but naming another key or none
    now = datetime.now(UTC)
    claims: dict[str, object] = {"iss": "jike", "aud": "member", "sub": str(ObjectId()), "mid": str(ObjectId())}
    claims |= {"iat": int(now.timestamp()), "exp": int((now + timedelta(minutes=5)).timestamp())}
    token = jwt.encode(claims, SECRET_KEY, algorithm="HS256", headers=headers)

    # when it is verified, then it is refused as an invalid token, not an error of ours
    with pytest.raises(InvalidToken):
        TokenSigner(Keyring(SECRET_KEY), timedelta(minutes=15), timedelta(days=1)).verify(token, Audience.MEMBER)


def test_new_tokens_name_the_new_key_and_old_ones_verify_only_during_the_window() -> None:
    # given a token signed before the rotation
    principal = Principal(Audience.ADMIN, ObjectId(), ObjectId())
    now = datetime.now(UTC)
    ttl = timedelta(minutes=15), timedelta(days=1)
    old, _ = TokenSigner(Keyring(SECRET_KEY), *ttl).sign(principal, now)

    # when tokens are signed and verified with the rotated keys, then after the window
    rotated = TokenSigner(ROTATED, *ttl)
    new, _ = rotated.sign(principal, now)

    # then the new token names the new key; the old one verifies during the window and not after
    assert (_kid(old), _kid(new)) == (key_id(SECRET_KEY), key_id(NEW_KEY))
    assert rotated.verify(old, Audience.ADMIN) == principal == rotated.verify(new, Audience.ADMIN)
    with pytest.raises(InvalidToken):
        TokenSigner(AFTER_THE_WINDOW, *ttl).verify(old, Audience.ADMIN)


def test_codes_and_export_links_signed_with_the_old_key_open_only_during_the_window() -> None:
    # given a member code, a redeem code and an export link made under the old key
    merchant, member, coupon = ObjectId(), ObjectId(), ObjectId()
    window = member_code.window_of(datetime.now(UTC))
    old = Keyring(SECRET_KEY)
    card = member_code.signer_for(old).sign(merchant, member, window, b"\x00\x01\x02\x03")
    coupon_code = redemption.signer_for(old).sign(merchant, coupon, window)
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)
    grant = reconciliation.Grant(merchant, ObjectId(), (ObjectId(),), date(2024, 5, 1), date(2024, 5, 2), expires)
    link = reconciliation.signer_for(old).sign(grant)

    # when they are opened during the window, then they open as made
    assert member_code.signer_for(ROTATED).open(merchant, card) == (member, window)
    assert redemption.signer_for(ROTATED).open(merchant, coupon_code) == (coupon, window)
    assert reconciliation.signer_for(ROTATED).open(link, datetime.now(UTC)) == grant
    assert reconciliation.signer_for(ROTATED).sign(grant)["kid"] == key_id(NEW_KEY) != link["kid"]

    # when they are opened after the old key is removed, or the link names a key that is not ours,
    # then each is refused as invalid
    with pytest.raises(CardError, match="MEMBER_CODE_INVALID"):
        member_code.signer_for(AFTER_THE_WINDOW).open(merchant, card)
    with pytest.raises(CouponError, match="REDEEM_CODE_INVALID"):
        redemption.signer_for(AFTER_THE_WINDOW).open(merchant, coupon_code)
    for keys, params in [(AFTER_THE_WINDOW, link), (ROTATED, link | {"kid": "notours1"})]:
        with pytest.raises(ReconciliationError, match="LINK_INVALID"):
            reconciliation.signer_for(keys).open(params, datetime.now(UTC))


def test_a_short_previous_key_is_refused_in_production_by_name(tmp_path: Path) -> None:
    # given production settings whose previous key (the second of two) was typed by hand
    given = {
        "secret_key": NEW_KEY,
        "pii_key": "p" * 48,
        "wechat_appid": "wx8f3c2a1b0d9e7f65",
        "wechat_secret": "s" * 32,
    }
    previous = f"{SECRET_KEY},hunter2-hunter2"

    # when they are read, then they are refused, naming the setting and not showing the key
    with pytest.raises(SettingsRefused) as refused:
        Settings(_env_file=None, env="production", data_dir=tmp_path, secret_key_previous=previous, **given)
    assert "JIKE_SECRET_KEY_PREVIOUS" in str(refused.value) and "hunter2" not in str(refused.value)
