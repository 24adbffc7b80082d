"""The Alipay client against the fake gateway: RSA2-signed requests, and answers believed only when Alipay's
key signed exactly the bytes we received.
"""

from collections.abc import AsyncIterator

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from channels.alipay import AlipayError
from channels.fake import openid_for
from tests.channels.conftest import alipay_client
from tests.conftest import ALIPAY_APP_ID, Channels
from tests.members.conftest import fresh_code


def _gateway(channels: Channels) -> str:
    return f"{channels.base_url}/gateway.do"


class _Rewriting(httpx.AsyncBaseTransport):
    """Passes requests to the real fake, but changes its answers on the way back, as a meddler would."""

    def __init__(self, old: bytes, new: bytes) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._old, self._new = old, new

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        body = (await response.aread()).replace(self._old, self._new)
        return httpx.Response(response.status_code, headers={"content-type": "application/json"}, content=body)

    async def aclose(self) -> None:
        await self._inner.aclose()


@pytest.fixture
async def meddled() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=_Rewriting(b'"open_id":"o', b'"open_id":"x')) as client:
        yield client


async def test_oauth_token_names_the_user(http: httpx.AsyncClient, channels: Channels) -> None:
    # given our client with the app's key and Alipay's public key
    client = alipay_client(http, _gateway(channels), channels.app_private_key, channels.alipay_private_key.public_key())

    # when an auth code is exchanged
    user = await client.oauth_token(fresh_code("alice"))

    # then the gateway accepted our signature and we accepted its: the user's open_id comes back
    assert user.open_id == openid_for(ALIPAY_APP_ID, "alice")


async def test_answer_signed_by_another_key_is_refused(
    http: httpx.AsyncClient, channels: Channels, impostor: str
) -> None:
    # given a gateway that signs its answers with a key that is not Alipay's
    client = alipay_client(http, impostor, channels.app_private_key, channels.alipay_private_key.public_key())

    # when an auth code is exchanged there, then the answer is not believed
    with pytest.raises(AlipayError) as refused:
        await client.oauth_token(fresh_code("mallory"))
    assert refused.value.code == "SIGNATURE"


async def test_answer_changed_on_the_way_is_refused(meddled: httpx.AsyncClient, channels: Channels) -> None:
    # given someone between us and Alipay who rewrites the open_id in the signed answer
    client = alipay_client(
        meddled, _gateway(channels), channels.app_private_key, channels.alipay_private_key.public_key()
    )

    # when an auth code is exchanged, then the signature no longer matches and nothing is believed
    with pytest.raises(AlipayError) as refused:
        await client.oauth_token(fresh_code("victim"))
    assert refused.value.code == "SIGNATURE"


async def test_request_signed_with_the_wrong_app_key_is_refused_by_the_gateway(
    http: httpx.AsyncClient, channels: Channels
) -> None:
    # given a client signing with a key Alipay does not have for our app
    wrong = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    client = alipay_client(http, _gateway(channels), wrong, channels.alipay_private_key.public_key())

    # when it calls, then the gateway's (signed) error is what we get
    with pytest.raises(AlipayError) as refused:
        await client.oauth_token(fresh_code("alice"))
    assert refused.value.sub_code == "isv.invalid-signature"


async def test_unusable_auth_code_is_alipays_code_invalid(http: httpx.AsyncClient, channels: Channels) -> None:
    client = alipay_client(http, _gateway(channels), channels.app_private_key, channels.alipay_private_key.public_key())

    with pytest.raises(AlipayError) as refused:
        await client.oauth_token("not-a-code")
    assert refused.value.sub_code == "isv.code-invalid"
