"""The `jike` command: run the service, the worker, the dev stack, and operator tasks."""

import asyncio
import os
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from api.logs import configure_logging
from payments.sandbox.transfers import Outcome
from startup.settings import Settings

app = typer.Typer(no_args_is_help=True, add_completion=False)


def _settings() -> Settings:
    """In dev, what the shell leaves unset comes from `jike dev`'s data dir (api.dev.verb_settings)."""
    from api.dev import verb_settings

    return verb_settings()


@app.command()
def dev() -> None:
    """Everything on one machine: embedded MongoDB + Redis, fake WeChat/Alipay, API, worker."""
    from api.dev import run_dev

    run_dev()


@app.command()
def serve() -> None:
    """The HTTP API (uvicorn)."""
    from api.app import create_app

    settings = _settings()
    configure_logging(settings.log_level)
    # Whose X-Forwarded-For to believe is the app's setting (JIKE_TRUSTED_PROXIES), not uvicorn's default.
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
    )


@app.command()
def worker() -> None:
    """The arq worker: jobs and cron, through Redis outages; ready while its readiness file exists."""
    from workers.runner import keep_running
    from workers.settings import worker_options

    settings = _settings()
    configure_logging(settings.log_level)
    ready_file = settings.worker_ready_file or settings.data_dir / "worker.ready"
    asyncio.run(keep_running(worker_options(settings), ready_file=ready_file))


@app.command("init-db")
def init_db() -> None:
    """Create every index (idempotent)."""
    from db.indexes import ensure_indexes
    from db.mongo import open_mongo

    settings = _settings()

    async def run() -> None:
        mongo = open_mongo(settings.mongodb_uri.get_secret_value(), settings.mongodb_db)
        try:
            await ensure_indexes(mongo)
        finally:
            await mongo.close()

    asyncio.run(run())
    typer.echo("indexes ensured")


@app.command("create-merchant")
def create_merchant(
    name: Annotated[str, typer.Option()],
    store_name: Annotated[str, typer.Option()],
    owner_name: Annotated[str, typer.Option()],
    owner_phone: Annotated[str, typer.Option()],
    owner_password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    timezone: Annotated[str, typer.Option()] = "Asia/Shanghai",
) -> None:
    """A merchant with its first store and its owner."""
    from api.operator import create_merchant as run

    typer.echo(asyncio.run(run(_settings(), name, store_name, owner_name, owner_phone, owner_password, timezone)))


@app.command("create-staff")
def create_staff(
    merchant_id: Annotated[str, typer.Option(help="The merchant's global ID.")],
    name: Annotated[str, typer.Option()],
    phone: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option(help="OWNER, MANAGER, CASHIER or TECHNICIAN")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    store_id: Annotated[list[str] | None, typer.Option(help="A store's global ID; repeat for several.")] = None,
    all_stores: Annotated[bool, typer.Option()] = False,
) -> None:
    """A staff member, added on the merchant owner's authority."""
    from api.operator import create_staff as run

    typer.echo(asyncio.run(run(_settings(), merchant_id, name, phone, role, password, store_id or [], all_stores)))


@app.command("run-cron")
def run_cron(name: Annotated[str, typer.Argument(help="The job, as the worker's cron and cronRuns name it.")]) -> None:
    """A scheduled job now, to its end (after an outage, say), audited; the worker's schedule goes on as before."""
    from api.operator import run_cron as run

    typer.echo(asyncio.run(run(_settings(), name)))


@app.command("rebuild-reports")
def rebuild_reports(merchant: Annotated[str, typer.Option(help="The merchant's global ID.")]) -> None:
    """Recompute every report rollup of a merchant from its orders, with a progress bar; reports stay served.
    Then every member's segment facts."""
    from api.operator import rebuild_reports as run

    typer.echo(asyncio.run(run(_settings(), merchant)))


@app.command("export-merchant")
def export_merchant(
    merchant: Annotated[str, typer.Option(help="The merchant's global ID.")],
    out: Annotated[Path, typer.Option(help="An empty (or new) directory for the files and manifest.json.")],
) -> None:
    """Every document of a merchant at one snapshot: a BSON file per collection and a manifest, with a progress bar."""
    from api.operator import export_merchant as run

    typer.echo(asyncio.run(run(_settings(), merchant, out)))


@app.command("import-merchant")
def import_merchant(
    source: Annotated[Path, typer.Option("--in", help="A directory `jike export-merchant` wrote.")],
    into: Annotated[str | None, typer.Option(help="mongodb://…/<db>; default JIKE_MONGODB_URI and _DB.")] = None,
) -> None:
    """A merchant's export loaded into a database without it, then checked against the manifest's counts and hashes."""
    from api.operator import import_merchant as run

    typer.echo(asyncio.run(run(_settings(), source, into)))


@app.command("fake-channels")
def fake_channels(port: Annotated[int, typer.Option()]) -> None:
    """The fake WeChat/Alipay server `jike dev` runs (refused in production)."""
    from api.fakes import run_fake_channels

    run_fake_channels(_settings(), port, os.environ["JIKE_FAKE_ALIPAY_PRIVATE_KEY"])


@app.command()
def sandbox(port: Annotated[int, typer.Option()]) -> None:
    """The payments sandbox (WeChat Pay v3 and Alipay with local keys) `jike dev` runs (refused in production)."""
    from api.sandbox import run_sandbox

    run_sandbox(_settings(), port)


@app.command("sandbox-pay")
def sandbox_pay(
    order: Annotated[str, typer.Option(help="The order's global ID (a WeChat Pay or Alipay payment open).")],
    api: Annotated[str | None, typer.Option(help="The dev API; default JIKE_HTTP_HOST:JIKE_HTTP_PORT.")] = None,
) -> None:
    """Dev only: the sandbox pays the order, as the member would, and notifies our webhook."""
    from api.sandbox import request_sandbox_pay

    typer.echo(request_sandbox_pay(_settings(), order, api))


@app.command("sandbox-confirm-transfer")
def sandbox_confirm_transfer(
    payout: Annotated[str, typer.Option(help="The payout's global ID (its bills waiting for the payee).")],
    outcome: Annotated[Outcome, typer.Option(help="What the payee does; EXPIRE: WeChat Pay closes the bill.")] = (
        Outcome.SUCCESS
    ),
    api: Annotated[str | None, typer.Option(help="The dev API; default JIKE_HTTP_HOST:JIKE_HTTP_PORT.")] = None,
) -> None:
    """Dev only: the sandbox's payee confirms (or not) the payout's transfer bills, and WeChat Pay's notification
    reaches our webhook."""
    from api.sandbox import request_sandbox_confirm_transfer

    typer.echo(request_sandbox_confirm_transfer(_settings(), payout, outcome, api))


@app.command("sms-reply-url")
def sms_reply_url(merchant_id: str, base_url: str = "https://jike.example.com") -> None:
    """The SMS reply callback URL to configure in Tencent Cloud SMS for one merchant (needs JIKE_SMS_REPLY_SECRET)."""
    from bson import ObjectId

    from api.sms_reply import reply_path

    secret = _settings().sms_reply_secret.get_secret_value()
    if not secret:
        raise typer.BadParameter("JIKE_SMS_REPLY_SECRET is not set")
    typer.echo(base_url.rstrip("/") + reply_path(secret, ObjectId(merchant_id)))


@app.command("export-schema")
def export_schema() -> None:
    """Write schema/member.graphql and schema/admin.graphql from the code."""
    from schema.sdl import write_sdl

    for path in write_sdl():
        typer.echo(f"wrote {path}")


@app.command("export-shard-script")
def export_shard_script() -> None:
    """Write deploy/mongo/shard.js (sh.shardCollection per sharded collection) from db/sharding.py."""
    from db.sharding import SHARD_SCRIPT, shard_script

    SHARD_SCRIPT.parent.mkdir(parents=True, exist_ok=True)
    SHARD_SCRIPT.write_text(shard_script())
    typer.echo(f"wrote {SHARD_SCRIPT}")


if __name__ == "__main__":
    app()
