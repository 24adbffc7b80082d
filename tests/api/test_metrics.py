"""/metrics as an operator's Prometheus reads it: GraphQL latency by operation, webhook answers by provider and
status, outbox lag, jobs by outcome, dead letters and payout bills by state, behind its bearer token; and the
Grafana dashboard in deploy/ charts only metrics that exist.
"""

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from bson import ObjectId
from pydantic import SecretStr

from api.app import create_app
from db import collections as c
from db.mongo import Mongo
from domain import outbox
from domain.jobs import dead_letters
from domain.outbox import entry_from_doc
from startup.settings import Settings
from tests.conftest import Shop
from tests.workers.conftest import Probe, Recorder, probe, run_worker, with_handler

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "jike.json"
TOKEN = "metrics-token-" + "m" * 24
NAMED_QUERY = "query HomeScreen { me { id } }"


@pytest.fixture
async def api(settings: Settings, mongo: Mongo) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"metrics_token": SecretStr(TOKEN)}))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://jike.test") as http:
            yield http


async def scrape(api: httpx.AsyncClient) -> str:
    response = await api.get("/metrics", headers={"authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    return response.text


@pytest.mark.dead_letters
async def test_the_exposition_carries_each_figure_an_operator_watches(
    api: httpx.AsyncClient, settings: Settings, mongo: Mongo, shop: Shop
) -> None:
    merchant_id = shop.merchant.merchant.id
    now = datetime.now(UTC)
    # given a named GraphQL request, an Alipay notification (its payments off here: 404), a job the worker ran
    await api.post("/graphql/member", json={"query": NAMED_QUERY})
    await api.post("/webhooks/alipay", data={"notify_id": "n1", "sign": "forged"})
    handled = probe("METRICS_EVENT")()
    await outbox.record_once(mongo=mongo, merchant_id=merchant_id, event=handled, dedupe_key="metrics:handled")
    await run_worker(settings, handlers=with_handler("METRICS_EVENT", Recorder(None)))
    # and an event waiting 90 s for the relay, a dead letter and two payout bills
    await outbox.record_once(
        mongo=mongo,
        merchant_id=merchant_id,
        event=Probe(),
        dedupe_key="metrics:late",
        due_at=now - timedelta(seconds=90),
    )
    await outbox.record_once(mongo=mongo, merchant_id=merchant_id, event=Probe(), dedupe_key="metrics:dead")
    doc = await mongo.db[c.OUTBOX].find_one({"dedupe_key": "metrics:dead"})
    assert doc is not None
    await dead_letters.bury(mongo=mongo, entry=entry_from_doc(doc), error="ValueError: bug", now=now)
    await mongo.db[c.PAYOUT_TRANSFERS].insert_many(
        [
            {"merchant_id": merchant_id, "out_bill_no": f"B{i}", "payout_id": ObjectId(), "status": status}
            for i, status in enumerate(["SUCCESS", "WAIT_USER_CONFIRM"])
        ]
    )

    # when Prometheus scrapes
    text = await scrape(api)

    # then each figure is there, labelled as the dashboard reads it
    assert 'jike_graphql_operation_seconds_count{operation="HomeScreen",schema="member"} 1.0' in text
    assert 'jike_webhook_seconds_count{provider="alipay",status="404"} 1.0' in text
    assert 'jike_jobs_total{job="event",outcome="done"} 1.0' in text
    lag = re.search(r"^jike_outbox_lag_seconds (\S+)$", text, re.M)
    assert lag is not None and 90 <= float(lag.group(1)) < 120
    assert "jike_dead_letters 1.0" in text
    assert 'jike_payout_bills{state="SUCCESS"} 1.0' in text
    assert 'jike_payout_bills{state="WAIT_USER_CONFIRM"} 1.0' in text


async def test_metrics_want_the_bearer_token(api: httpx.AsyncClient) -> None:
    assert (await api.get("/metrics")).status_code == 401
    assert (await api.get("/metrics", headers={"authorization": "Bearer wrong"})).status_code == 401
    assert (await api.get("/metrics", headers={"authorization": f"Bearer {TOKEN}"})).status_code == 200


async def test_the_grafana_dashboard_charts_only_metrics_the_api_exposes(api: httpx.AsyncClient) -> None:
    # given the dashboard, valid JSON with a panel per figure
    dashboard = json.loads(DASHBOARD.read_text())
    expressions = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    named = {m for e in expressions for m in re.findall(r"\bjike_[a-z_]+", e)}
    # then every metric it names is in the exposition (histogram and counter series by their family)
    types = [line.split()[2] for line in (await scrape(api)).splitlines() if line.startswith("# TYPE")]
    exposed = {re.sub(r"_total$", "", m) for m in types}
    family = {re.sub(r"_(bucket|count|sum|total)$", "", m) for m in named}
    assert family <= exposed, family - exposed
    assert {
        "jike_graphql_operation_seconds",
        "jike_webhook_seconds",
        "jike_outbox_lag_seconds",
        "jike_jobs",
        "jike_dead_letters",
        "jike_payout_bills",
    } <= family
