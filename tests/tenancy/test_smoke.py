from tests.conftest import Gql

ME = "query { me { name role phone stores { name } } merchant { name } }"


async def test_owner_sees_self(gql: Gql, owner_token: str) -> None:
    body = await gql("admin", ME, token=owner_token)
    assert body["data"]["me"]["role"] == "OWNER", body
