"""The HTTP door: liveness, readiness that names what is down, metrics, body size and query limits."""

import asyncio
import subprocess
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from pydantic import SecretStr

from api import embedded
from api.app import create_app
from db.mongo import Mongo
from schema.extensions import QueryLimits
from schema.member import build_member_schema
from startup.settings import Env, Settings
from tests.conftest import Gql, count_commands

ME = "query { me { id } }"


def nested_query(levels: int) -> str:
    return "query { " + "me { " * levels + "id" + " }" * levels + " }"


async def test_healthz_answers_while_the_process_lives(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.headers["x-request-id"]


async def test_request_id_from_the_caller_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"x-request-id": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"


async def test_readyz_is_200_when_mongo_and_redis_answer(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"mongodb": "ok", "redis": "ok"}


@pytest.fixture
async def own_redis(settings: Settings, mongo: Mongo) -> AsyncIterator[tuple[Settings, subprocess.Popen[bytes], int]]:
    """A Redis of this test's own, so stopping it leaves the session's Redis alone."""
    port = embedded.free_port()
    process = embedded.start_redis(port, None)
    try:
        yield settings.model_copy(update={"redis_url": SecretStr(f"redis://127.0.0.1:{port}/0")}), process, port
    finally:
        embedded.stop(process)


async def test_readyz_names_redis_when_it_stops_and_recovers_when_it_returns(
    own_redis: tuple[Settings, subprocess.Popen[bytes], int],
) -> None:
    settings, process, port = own_redis
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://t") as http:
            # given a service whose Redis answers
            assert (await http.get("/readyz")).status_code == 200
            # when the Redis process is stopped
            await asyncio.to_thread(embedded.stop, process)
            response = await http.get("/readyz")
            # then readiness fails and names Redis, and only Redis
            assert response.status_code == 503
            assert response.json()["failed"] == ["redis"]
            # when Redis comes back on the same port
            restarted = await asyncio.to_thread(embedded.start_redis, port, None)
            try:
                ready = False
                for _ in range(30):
                    ready = (await http.get("/readyz")).status_code == 200
                    if ready:
                        break
                    await asyncio.sleep(0.1)
                # then the service is ready again
                assert ready
            finally:
                embedded.stop(restarted)


async def test_metrics_are_prometheus_text(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'jike_http_requests_total{route="/healthz",status="200"}' in response.text


async def test_a_2mb_body_is_refused_with_413(client: httpx.AsyncClient) -> None:
    big = "x" * (2 * 1024 * 1024)
    response = await client.post("/graphql/member", json={"query": ME, "variables": {"pad": big}})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_a_chunked_2mb_body_without_length_is_refused_with_413(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(32):
            yield b"x" * 65536

    response = await client.post("/graphql/member", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


async def test_a_query_20_levels_deep_is_refused_with_a_clear_message(gql: Gql) -> None:
    body = await gql("member", nested_query(20))
    assert body.get("data") is None
    assert any("exceeds maximum operation depth" in e["message"] for e in body["errors"])


async def test_too_many_aliases_are_refused(gql: Gql) -> None:
    aliases = " ".join(f"a{i}: __typename" for i in range(40))
    body = await gql("member", f"query {{ {aliases} }}")
    assert any("aliases" in e["message"] for e in body["errors"])


async def test_a_query_under_the_limits_runs(gql: Gql) -> None:
    body = await gql("member", "query { __typename }")
    assert body == {"data": {"__typename": "Query"}}


async def test_a_document_gets_the_same_judgement_every_time_it_is_sent(gql: Gql) -> None:
    # given a document over the depth limit and one within it (each checked once, then remembered)
    deep, fine = nested_query(20), "query { __typename }"

    # when each is sent three times, in turn
    answers = [await gql("member", document) for _ in range(3) for document in (deep, fine)]

    # then the deep one is refused every time and the other answered every time
    assert [a.get("data") is None for a in answers] == [True, False] * 3
    assert all("exceeds maximum operation depth" in a["errors"][0]["message"] for a in answers[::2])


async def test_introspection_stays_refused_when_turned_off_however_often_it_is_asked() -> None:
    # given the member schema with introspection turned off, as in production
    schema = build_member_schema(QueryLimits(introspection=False))

    # when introspection is asked for twice, and an ordinary query once
    first = await schema.execute("query { __schema { queryType { name } } }")
    again = await schema.execute("query { __schema { queryType { name } } }")
    ordinary = await schema.execute("query { __typename }")

    # then it is refused both times, and the ordinary query runs
    assert first.errors and again.errors and "introspection" in again.errors[0].message
    assert ordinary.errors is None and ordinary.data == {"__typename": "Query"}


@pytest.mark.parametrize("door", ["member", "admin"])
@pytest.mark.parametrize("body", [b"null", b'"x"', b"42", b"true"])
async def test_a_json_body_that_is_not_an_object_is_a_400_at_either_door(
    client: httpx.AsyncClient, door: str, body: bytes
) -> None:
    # when a well-formed JSON body that is not an object reaches a GraphQL door
    response = await client.post(f"/graphql/{door}", content=body, headers={"content-type": "application/json"})

    # then it is refused as a bad request that says why, not a server error
    assert response.status_code == 400
    assert "JSON object" in response.text


def deep_json(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("door", ["member", "admin"])
@pytest.mark.parametrize(
    "body",
    [
        deep_json(5_000),
        '{"query": "query { __typename }", "variables": {"x": ' + deep_json(5_000) + "}}",
    ],
    ids=["body", "variables"],
)
async def test_json_nested_5000_deep_is_a_400_at_either_door(client: httpx.AsyncClient, door: str, body: str) -> None:
    # when JSON nested 5,000 deep arrives as the body, or inside the variables
    response = await client.post(f"/graphql/{door}", content=body, headers={"content-type": "application/json"})

    # then it is refused as a bad request, not a server error
    assert response.status_code == 400
    assert "nested too deeply" in response.text


MISSPELLED = {
    "field": ("query { memb }", None),
    "argument": (
        'mutation { login(input: {code: "c", channel: WECHAT, merchantId: "m"}, inptu: 1) { __typename } }',
        None,
    ),
    "enum literal": ('mutation { login(input: {code: "c", channel: WECHT, merchantId: "m"}) { __typename } }', None),
    "enum variable": (
        'mutation($c: LoginChannel!) { login(input: {code: "c", channel: $c, merchantId: "m"}) { __typename } }',
        {"c": "WECHT"},
    ),
}


async def misspelled_answers(http: httpx.AsyncClient) -> dict[str, list[str]]:
    """What an anonymous caller is told about each misspelling at the member door."""
    answers = {}
    for name, (query, variables) in MISSPELLED.items():
        response = await http.post("/graphql/member", json={"query": query, "variables": variables or {}})
        answers[name] = [e["message"] for e in response.json()["errors"]]
    return answers


async def test_in_production_errors_do_not_suggest_field_argument_or_enum_names(
    settings: Settings, mongo: Mongo
) -> None:
    # given the service running in production
    app = create_app(settings.model_copy(update={"env": Env.PRODUCTION}))
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://t") as http:
            # when an anonymous caller sends a misspelled field, argument or enum value, in the query or a variable
            answers = await misspelled_answers(http)

    # then each is refused, saying what is wrong but suggesting no name the schema has
    assert answers == {
        "field": ["Cannot query field 'memb' on type 'Query'."],
        "argument": ["Unknown argument 'inptu' on field 'Mutation.login'."],
        "enum literal": ["Value 'WECHT' does not exist in 'LoginChannel' enum."],
        "enum variable": ["Variable '$c' has invalid value: Value 'WECHT' does not exist in 'LoginChannel' enum."],
    }


async def test_outside_production_errors_still_suggest_names(client: httpx.AsyncClient) -> None:
    # given the service in development or test, where suggestions help whoever writes the app
    # when the same misspellings arrive
    answers = await misspelled_answers(client)

    # then each still says what was probably meant, a variable that does not coerce included (it is the
    # caller's mistake, not an internal error)
    assert all(any("Did you mean" in m for m in messages) for messages in answers.values()), answers


def members_with_ledgers(aliases: int, page: int) -> str:
    ledger = f"ledger(first: {page}) {{ edges {{ node {{ kind amount reason }} }} }}"
    one = f"members(first: {page}) {{ edges {{ node {{ id nickname {ledger} }} }} }}"
    return "query { " + " ".join(f"m{i}: {one}" for i in range(aliases)) + " }"


async def test_thirty_aliases_of_members_with_their_ledgers_are_refused_before_anything_runs(
    gql: Gql, mongo: Mongo, owner_token: str
) -> None:
    # given a staff member's query within every depth, alias and token limit: 30 aliases of 100 members, each
    # with 100 ledger entries
    query = members_with_ledgers(30, 100)

    # when it is sent, counting the database commands it costs
    with count_commands(mongo) as sent:
        body = await gql("admin", query, token=owner_token, lang="en")

    # then it is refused before execution, saying what it would cost and what is allowed, and read nothing
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["maxCost"] == 5000 < error["extensions"]["cost"]
    assert "ask for smaller pages (first) or fewer aliases" in error["message"]
    assert sent == []


async def test_the_cost_limit_is_a_setting(settings: Settings, mongo: Mongo, owner_token: str) -> None:
    # given a service whose operators allow a cost of 100
    app = create_app(settings.model_copy(update={"graphql_max_cost": 100}))
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://t") as http:
            gql = Gql(http)
            # when a staff member lists 20 members with their ledgers (about 1,700), then 20 members alone (101)
            heavy = await gql("admin", members_with_ledgers(1, 20), token=owner_token)
            light = await gql("admin", "{ members { edges { node { id nickname } } } }", token=owner_token)

    # then the first is refused and the second runs
    assert [e["extensions"]["code"] for e in heavy["errors"]] == ["QUERY_TOO_COSTLY"]
    assert "errors" not in light and light["data"]["members"]["edges"] == []
