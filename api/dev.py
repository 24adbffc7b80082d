"""`jike dev`: the whole service on one machine with nothing installed by hand.

Starts the embedded MongoDB-protocol server and redis-server (unless JIKE_MONGODB_URI / JIKE_REDIS_URL
point elsewhere), the payments sandbox (unless JIKE_WECHATPAY_MCHID is set), the fake WeChat/Alipay server, the
API and the worker, under `api.supervisor` (a child that dies is restarted; Ctrl-C stops them in order); seeds a demo
merchant on first start. Data, generated dev secrets and the sandbox's keys live under JIKE_DATA_DIR, and so, while
the stack runs, do the addresses it chose, so that `jike` verbs run in a second terminal (`verb_settings`) reach the
same servers with the same secrets.
"""

import asyncio
import os
import secrets
import sys
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from dotenv import dotenv_values

from api import embedded
from api.sandbox import sandbox_env
from api.supervisor import ChildSpec, Interrupted, Stage, Supervisor
from db.indexes import ensure_indexes
from db.mongo import Mongo, open_mongo
from domain import catalog as items
from domain import tenancy
from domain.booking import catalog, schedules
from domain.booking.schedules import ClockRange
from domain.pii import PiiCipher
from payments.sandbox import SandboxKeys
from schema.ids import to_global_id
from startup.clients import passwords
from startup.settings import Env, Settings, sandbox_keys_path

DEMO_PHONE = "13800000000"


def _pem_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def _write_env_file(path: Path, values: dict[str, str]) -> None:
    """Hex-encoded values, since PEM keys span lines; readable by the developer alone, since they are secrets."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{k}={v.encode().hex()}\n" for k, v in values.items()))
    path.chmod(0o600)


def _read_env_file(path: Path) -> dict[str, str]:
    return {
        k: bytes.fromhex(v).decode()
        for k, _, v in (line.partition("=") for line in path.read_text().splitlines() if line)
    }


def stack_env_path(data_dir: Path) -> Path:
    """Exists while `jike dev` runs (a stack killed outright leaves it behind, until the next start rewrites it)."""
    return data_dir / "dev-stack.env"


def record_stack_env(data_dir: Path, env: dict[str, str]) -> None:
    """The JIKE_* environment `jike dev` gives its children: its servers' addresses, secrets and sandbox keys."""
    _write_env_file(stack_env_path(data_dir), {k: v for k, v in env.items() if k.startswith("JIKE_")})


def dev_secrets(data_dir: Path) -> dict[str, str]:
    """Secrets made once per data dir and kept, so tokens and encrypted phones survive a restart."""
    path = data_dir / "dev-secrets.env"
    if not path.exists():
        app_private, app_public = _pem_pair()
        fake_alipay_private, alipay_public = _pem_pair()
        values = {
            "JIKE_SECRET_KEY": secrets.token_urlsafe(48),
            "JIKE_PII_KEY": secrets.token_urlsafe(48),
            "JIKE_WECHAT_APPID": "wxdev0000000000000",
            "JIKE_WECHAT_SECRET": secrets.token_hex(16),
            "JIKE_ALIPAY_APP_ID": "2021000000000000",
            "JIKE_ALIPAY_APP_PRIVATE_KEY": app_private,
            "JIKE_ALIPAY_PUBLIC_KEY": alipay_public,
            "JIKE_FAKE_ALIPAY_PRIVATE_KEY": fake_alipay_private,
        }
        _write_env_file(path, values)
    return _read_env_file(path)


async def _open_for_booking(mongo: Mongo, owner: tenancy.Staff, store: tenancy.Store) -> None:
    """The demo store open 09:00-21:00 every day with its owner taking bookings for a 精剪, so the booking
    screens have something to show from the first start."""
    week = [ClockRange(day, "09:00", "21:00") for day in range(7)]
    await schedules.set_store_hours(mongo=mongo, actor=owner, store_id=store.id, hours=week)
    await schedules.set_staff_schedule(mongo=mongo, actor=owner, store_id=store.id, staff_id=owner.id, weekly=week)
    cut = items.ItemSpec(items.ItemKind.SERVICE, "精剪", 12_800, True, ())
    item = await items.create_item(mongo=mongo, actor=owner, spec=cut)
    spec = catalog.ServiceSpec(item.id, 60, 15, 0, (owner.id,), None)
    await catalog.create_service(mongo=mongo, actor=owner, store_id=store.id, spec=spec)


async def seed_demo(settings: Settings) -> str:
    mongo = open_mongo(settings.mongodb_uri.get_secret_value(), settings.mongodb_db)
    try:
        await ensure_indexes(mongo)
        existing = await mongo.db["merchants"].find_one({}, sort=[("_id", 1)])
        if existing is not None:
            login = settings.data_dir / "demo-login.txt"
            note = login.read_text().strip() if login.exists() else "(credentials as printed on first start)"
            return f"demo merchant {to_global_id('Merchant', existing['_id'])}: {note}"
        password = secrets.token_urlsafe(9)
        created = await tenancy.create_merchant(
            mongo=mongo,
            pii=PiiCipher(settings.pii_key.get_secret_value()),
            passwords=passwords(settings),
            name="积客演示商家",
            store_name="演示门店",
            timezone="Asia/Shanghai",
            owner_name="店主",
            owner_phone=DEMO_PHONE,
            owner_password=password,
        )
        await _open_for_booking(mongo, created.owner, created.store)
        note = f"owner login phone {DEMO_PHONE} password {password}"
        (settings.data_dir / "demo-login.txt").write_text(note + "\n")
        return f"demo merchant {to_global_id('Merchant', created.merchant.id)} created: {note}"
    finally:
        await mongo.close()


def _jike(name: str, args: list[str], stage: Stage, env: dict[str, str], port: int | None = None) -> ChildSpec:
    """A `jike` verb as a child of the stack, with the environment as it stands when it is added."""
    return ChildSpec(name, [sys.executable, "-m", "api.cli", *args], stage, dict(env), port)


def configured_env(env_file: Path = Path(".env")) -> dict[str, str]:
    """The settings' environment as Settings will read it: `.env` lines under the process environment (which
    wins), so a database or provider configured in `.env` is used instead of an embedded stand-in."""
    from_file = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    return from_file | dict(os.environ)


def verb_settings() -> Settings:
    """The settings a `jike` verb runs with: the environment and `.env` as configured; in dev, what they leave
    unset comes from the data dir as `jike dev` has it (its secrets and, while it runs, its servers' addresses),
    so a verb printed by `make dev` works as printed in another terminal. Production takes nothing from there."""
    env = configured_env()
    if env.get("JIKE_ENV", Env.DEV.value).strip().lower() != Env.DEV.value:
        return Settings()
    data_dir = Path(env.get("JIKE_DATA_DIR", ".jike")).resolve()
    stack = stack_env_path(data_dir)
    dev = dev_secrets(data_dir) | (_read_env_file(stack) if stack.exists() else {})
    unset: dict[str, Any] = {k.removeprefix("JIKE_").lower(): v for k, v in dev.items() if k not in env}
    return Settings(**unset)


def ready_banner(base: str, sandbox_url: str) -> str:
    """What `make dev` prints once up: where everything is, and how to play the people the providers would ask."""
    up = (
        f"Jike is up: staff app {base}/admin/ (sign in with the demo owner above) · "
        f"member GraphQL {base}/graphql/member · admin GraphQL {base}/graphql/admin · "
        f"ready {base}/readyz · metrics {base}/metrics"
    )
    if not sandbox_url:
        return f"{up}. A child that dies is restarted; Ctrl-C stops everything."
    return (
        f"{up} · payments sandbox {sandbox_url}. In another terminal, play the member paying an order with "
        f"`jike sandbox-pay --order <id>` (or open a code the staff app shows at the counter in a browser and press "
        f"付款) and the payee confirming a payout's transfer with "
        f"`jike sandbox-confirm-transfer --payout <id>` (admin `payouts` lists each payout's bills by outBillNo). "
        f"A child that dies is restarted; Ctrl-C stops everything."
    )


def run_dev() -> None:
    env = configured_env()
    if env.get("JIKE_ENV", "").strip().lower() == Env.PRODUCTION:
        raise SystemExit(
            "jike dev: refused with JIKE_ENV=production: it runs the fake WeChat/Alipay server and the payments "
            "sandbox, which production never uses. Run `jike serve` and `jike worker` against your own servers."
        )
    given = set(env)
    data_dir = Path(env.get("JIKE_DATA_DIR", ".jike")).resolve()
    env["JIKE_DATA_DIR"] = str(data_dir)
    for key, value in dev_secrets(data_dir).items():
        env.setdefault(key, value)
    supervisor = Supervisor()
    with supervisor.handling_signals():
        try:
            _start(supervisor, env, given, data_dir)
            supervisor.watch()
        except Interrupted:
            pass
        finally:
            supervisor.stop()
            stack_env_path(data_dir).unlink(missing_ok=True)


def _start(supervisor: Supervisor, env: dict[str, str], given: set[str], data_dir: Path) -> None:
    """Each server or stand-in not configured, then the demo merchant, then the API and the worker."""
    if "JIKE_MONGODB_URI" not in given:
        port = embedded.free_port()
        command = embedded.mongo_command(port, data_dir / "mongo")
        mongo = ChildSpec("MongoDB", command, Stage.SERVERS, port=port, log=data_dir / "mongo.log", knock_to_stop=True)
        supervisor.start(mongo)
        env["JIKE_MONGODB_URI"] = f"mongodb://127.0.0.1:{port}/?directConnection=true"
    if "JIKE_REDIS_URL" not in given:
        port = embedded.free_port()
        command = embedded.redis_command(port, data_dir / "redis")
        supervisor.start(ChildSpec("Redis", command, Stage.SERVERS, port=port, log=data_dir / "redis.log"))
        env["JIKE_REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    if "JIKE_WECHATPAY_MCHID" not in given:
        port = embedded.free_port()
        keys = SandboxKeys.load_or_create(
            sandbox_keys_path(data_dir),
            wechat_appid=env["JIKE_WECHAT_APPID"],
            alipay_app_id=env["JIKE_ALIPAY_APP_ID"],
        )
        env.update(sandbox_env(keys, f"http://127.0.0.1:{port}"))
        supervisor.start(_jike("the payments sandbox", ["sandbox", "--port", str(port)], Stage.SERVERS, env, port))
    if "JIKE_WECHAT_API_BASE" not in given:
        port = embedded.free_port()
        fake = ["fake-channels", "--port", str(port)]
        supervisor.start(_jike("the fake WeChat/Alipay server", fake, Stage.SERVERS, env, port))
        env["JIKE_WECHAT_API_BASE"] = f"http://127.0.0.1:{port}"
        env["JIKE_ALIPAY_API_BASE"] = f"http://127.0.0.1:{port}/gateway.do"
    os.environ.update(env)
    settings = Settings()
    record_stack_env(data_dir, env)
    print(asyncio.run(seed_demo(settings)), flush=True)
    supervisor.start(_jike("the worker", ["worker"], Stage.SERVICE, env))
    supervisor.start(_jike("the API", ["serve"], Stage.SERVICE, env, settings.http_port))
    base = f"http://{settings.http_host}:{settings.http_port}"
    print(ready_banner(base, settings.payments_sandbox_url), flush=True)
