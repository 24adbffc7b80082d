"""Running a scheduled job now instead of waiting for its slot: an OWNER from the admin app (a zero-day freeze
releases at once, not at :25 or :55), an operator from the shell (after an outage). Either is the very job the
worker runs, recorded in the job's last run and in the audit log; one run on demand of a job at a time.
"""

import asyncio
from collections.abc import AsyncIterator

import pytest
from bson import ObjectId
from typer.testing import CliRunner

from api.cli import app as jike
from db import collections as c
from db.mongo import Mongo
from domain.commissions.accrual import on_order_paid
from domain.jobs import on_demand
from domain.jobs.errors import JobsCode, JobsError
from domain.jobs.scheduled import JOBS
from domain.pii import PiiCipher
from domain.tenancy import Role
from startup.clients import Clients, open_clients
from startup.settings import Settings
from tests.commissions.conftest import appoint, open_program, paid
from tests.conftest import Gql, Shop, settings_env
from tests.coupons.conftest import make_staff
from tests.referrals.conftest import bind, make_member, make_members
from workers.crons import cron_jobs

RUN_JOB = """
mutation($name: String!) {
  runCronJob(input: {name: $name}) {
    cronRun { name running ok error lastFinishedAt }
    userErrors { field code message }
  }
}
"""
CRON_RUNS = "query { cronRuns { name running ok } }"


@pytest.fixture
async def clients(settings: Settings, mongo: Mongo) -> AsyncIterator[Clients]:
    async with open_clients(settings) as opened:
        yield opened


async def zero_day_commission(mongo: Mongo, shop: Shop) -> ObjectId:
    """A shareholder of a program without a freeze, whose friend just paid 100 yuan: a commission due now."""
    program = await open_program(mongo, shop, freeze_days=0)
    holder = await make_member(mongo, shop, "股东")
    await appoint(mongo, shop, program, holder.id)
    [friend] = await make_members(mongo, shop.merchant.merchant.id, 1, "友")
    await bind(mongo, shop, friend.id, holder.id)
    await on_order_paid(mongo=mongo, event=paid(shop, friend.id, 10_000))
    return holder.id


async def statuses(mongo: Mongo, beneficiary: ObjectId) -> list[str]:
    return [d["status"] for d in await mongo.db[c.COMMISSIONS].find({"beneficiary_id": beneficiary}).to_list()]


def test_every_job_that_can_run_now_is_one_the_worker_runs_on_schedule() -> None:
    assert set(JOBS) <= {job.name for job in cron_jobs()}
    assert "release_commissions" in JOBS and "payouts" in JOBS


async def test_an_owner_releases_a_zero_day_freeze_now_instead_of_waiting_for_the_cron(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str
) -> None:
    # given a commission on a program without a freeze, PENDING until the release job comes round at :25 or :55
    holder = await zero_day_commission(mongo, shop)
    assert await statuses(mongo, holder) == ["PENDING"]

    # when the owner runs the release job now
    body = await gql("admin", RUN_JOB, {"name": "release_commissions"}, token=owner_token)

    # then it ran to the end, the commission is AVAILABLE, the job's last run shows it, and the audit log names
    # the owner
    payload = body["data"]["runCronJob"]
    assert payload["userErrors"] == []
    run = payload["cronRun"]
    assert (run["name"], run["running"], run["ok"], run["error"]) == ("release_commissions", False, True, None)
    assert run["lastFinishedAt"] is not None
    assert await statuses(mongo, holder) == ["AVAILABLE"]
    runs = (await gql("admin", CRON_RUNS, token=owner_token))["data"]["cronRuns"]
    assert runs == [{"name": "release_commissions", "running": False, "ok": True}]
    [entry] = await mongo.db[c.AUDIT_LOG].find({"action": "cron.run"}).to_list()
    assert (entry["merchant_id"], entry["actor_id"], entry["detail"]) == (
        shop.merchant.merchant.id,
        shop.merchant.owner.id,
        {"name": "release_commissions"},
    )


async def test_only_an_owner_runs_a_job_and_only_one_that_can_run_on_demand(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, owner_token: str
) -> None:
    # given a manager
    manager = await make_staff(mongo, pii, shop, Role.MANAGER, "13700000041")

    # when the manager runs a job, and the owner runs one that does not exist and the relay (which runs every
    # 5 seconds by itself)
    forbidden = await gql("admin", RUN_JOB, {"name": "release_commissions"}, token=manager.token)
    unknown = await gql("admin", RUN_JOB, {"name": "mine_bitcoin"}, token=owner_token, lang="en")
    relay = await gql("admin", RUN_JOB, {"name": "relay_outbox"}, token=owner_token)

    # then the manager is refused, the others are user errors, and nothing ran or was audited
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    [error] = unknown["data"]["runCronJob"]["userErrors"]
    assert (error["field"], error["code"]) == ("name", "CRON_JOB_NOT_FOUND")
    assert "release_commissions" in error["message"]
    assert relay["data"]["runCronJob"]["userErrors"][0]["code"] == "CRON_JOB_NOT_FOUND"
    assert await mongo.db[c.CRON_RUNS].count_documents({}) == 0
    assert await mongo.db[c.AUDIT_LOG].count_documents({"action": "cron.run"}) == 0


async def test_two_runs_of_a_job_asked_for_at_once_run_it_once(
    mongo: Mongo, shop: Shop, clients: Clients, pii: PiiCipher
) -> None:
    # given two owners' sessions (the owner on two phones) and a commission due
    await zero_day_commission(mongo, shop)
    owner = shop.merchant.owner

    # when both ask for the release job at the same moment, and then again once it is done
    first = await asyncio.gather(
        *(on_demand.run_now(clients=clients, actor=owner, name="release_commissions") for _ in range(2)),
        return_exceptions=True,
    )
    again = await on_demand.run_now(clients=clients, actor=owner, name="release_commissions")

    # then one ran and the other was told it is running; once done it can run again
    refused = [r for r in first if isinstance(r, JobsError)]
    ran = [r for r in first if isinstance(r, on_demand.OnDemandRun)]
    assert [e.code for e in refused] == [JobsCode.CRON_JOB_RUNNING] and len(ran) == 1
    assert (ran[0].processed, again.processed) == (1, 0)
    doc = await mongo.db[c.CRON_RUNS].find_one({"_id": "release_commissions"})
    assert doc is not None and doc["runs"] == 2
    assert await mongo.db[c.AUDIT_LOG].count_documents({"action": "cron.run"}) == 2


async def test_an_operator_runs_a_job_from_the_shell_and_is_told_what_it_did(
    mongo: Mongo, shop: Shop, settings: Settings
) -> None:
    # given a commission due, and the operator's shell set up for production's servers
    holder = await zero_day_commission(mongo, shop)
    env = settings_env(settings)

    # when the operator runs the release job, and a job that does not exist
    ran = await asyncio.to_thread(CliRunner().invoke, jike, ["run-cron", "release_commissions"], env=env)
    wrong = await asyncio.to_thread(CliRunner().invoke, jike, ["run-cron", "mine_bitcoin"], env=env)

    # then it says what it did and the commission is AVAILABLE, the run is audited with the operator's name; the
    # unknown job is refused with the list of jobs
    assert ran.exit_code == 0, ran.output or ran.exception
    assert "release_commissions: ok, 1 done" in ran.output
    assert await statuses(mongo, holder) == ["AVAILABLE"]
    [entry] = await mongo.db[c.AUDIT_LOG].find({"action": "cron.run"}).to_list()
    assert (entry["merchant_id"], entry["actor_id"], entry["detail"]["name"]) == (None, None, "release_commissions")
    assert entry["operator"]
    assert wrong.exit_code != 0 and "payouts" in wrong.output
