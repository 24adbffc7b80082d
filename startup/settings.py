"""The one typed settings object, read from JIKE_* environment variables (and `.env`), and what production refuses.

Secrets are SecretStr so they never show up in logs or reprs, and a refused setting is named, never shown: pydantic's
own error would print every value given (secrets included), so `SettingsRefused` replaces it.
"""

import ipaddress
import json
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings import SettingsError as SourceError

from db.mongo import SERVER_SELECTION_TIMEOUT_MS

ENV_PREFIX = "JIKE_"


class Env(StrEnum):
    DEV = "dev"
    TEST = "test"
    PRODUCTION = "production"


class SettingsRefused(SystemExit):
    """Settings the program must not run with. A SystemExit, so that wherever they are read the program ends with
    the reasons alone: a traceback would show the values, and a refused setting may be a secret."""


def sandbox_keys_path(data_dir: Path) -> Path:
    """Where `jike dev` keeps its payments sandbox's keys; production refuses every key found in it."""
    return data_dir / "payments-sandbox.json"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")

    env: Env = Env.DEV
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    data_dir: Path = Path(".jike")
    # Exists while `jike worker` is started and polling Redis, for an exec probe (`test -f`); None: in data_dir.
    worker_ready_file: Path | None = None
    log_level: str = "INFO"
    # The staff app's production build (`make setup` writes it), served at /admin/.
    admin_app_dir: Path = Path(__file__).resolve().parent.parent / "mobile_admin" / "dist"

    mongodb_uri: SecretStr = SecretStr("mongodb://127.0.0.1:27017/?directConnection=true")
    mongodb_db: str = "jike"
    # `rediss://` for TLS. With Sentinels set, only its scheme, credentials and database are used: the master's
    # address is the Sentinels' answer.
    redis_url: SecretStr = SecretStr("redis://127.0.0.1:6379/0")
    # Sentinels guarding the Redis master, `host:port` comma-separated; empty: JIKE_REDIS_URL's host is the Redis.
    redis_sentinels: str = ""
    redis_sentinel_master: str = "mymaster"
    # The Sentinels' own `requirepass`, when they have one (not the master's, which is in JIKE_REDIS_URL).
    redis_sentinel_password: SecretStr = SecretStr("")
    # The CA that signed the Redis (and Sentinel) certificates, for `rediss://`; None: the system's trust store.
    redis_tls_ca_file: Path | None = None
    redis_tls_check_hostname: bool = True
    # How long the API and the worker wait for a usable MongoDB server before an operation fails (a request then
    # answers UNAVAILABLE); pymongo's own default is 30 s.
    mongodb_server_selection_timeout_ms: int = SERVER_SELECTION_TIMEOUT_MS

    # Signs access tokens, member and redeem codes and export links, each naming it by a key id derived from it.
    secret_key: SecretStr
    # The key(s) JIKE_SECRET_KEY replaced (comma-separated): what they signed still verifies while they are here,
    # nothing new is signed with them. Rotating: the old key moves here, and is removed once the longest-lived
    # token it signed has expired (JIKE_ACCESS_TOKEN_TTL_S), so nobody is signed out.
    secret_key_previous: SecretStr | None = None
    # AES-GCM key material for phone numbers at rest; losing it loses every stored phone.
    pii_key: SecretStr

    access_token_ttl_s: int = 15 * 60
    refresh_token_ttl_s: int = 30 * 24 * 3600

    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_appid: str = ""
    wechat_secret: SecretStr = SecretStr("")
    # Subscribe-message template ids chosen in the mini-program's console, by notification topic (as JSON).
    wechat_subscribe_templates: dict[str, str] = {}

    alipay_api_base: str = "https://openapi.alipay.com/gateway.do"
    alipay_app_id: str = ""
    alipay_app_private_key: SecretStr = SecretStr("")
    alipay_public_key: str = ""

    # WeChat Pay API v3, direct merchant in public-key mode; payments are made by users of `wechat_appid`.
    # Empty mchid: WeChat Pay is off.
    wechatpay_api_base: str = "https://api.mch.weixin.qq.com"
    wechatpay_mchid: str = ""
    # Serial number of the merchant API certificate whose private key signs our requests and paySign.
    wechatpay_merchant_serial_no: str = ""
    wechatpay_merchant_private_key: SecretStr = SecretStr("")
    # Exactly 32 bytes; decrypts notification resources.
    wechatpay_apiv3_key: SecretStr = SecretStr("")
    # "PUB_KEY_ID_…" and the WeChat Pay public key (PEM) it names, which verifies answers and notifications.
    wechatpay_public_key_id: str = ""
    wechatpay_public_key: str = ""

    # Alipay payments reuse the mini-program's app id and keys above. Empty seller id: Alipay payments are off.
    alipay_seller_id: str = ""
    # The gateway payments go to; empty means `alipay_api_base` (they differ only in dev, fake vs sandbox).
    alipay_pay_api_base: str = ""

    # Where providers reach our webhooks (…/webhooks/wechatpay, …/webhooks/alipay); empty means the API's own
    # http://host:port, which only a provider on this machine (the sandbox) can reach.
    payments_notify_base_url: str = ""
    # The payments sandbox `jike dev` runs; when set outside production, POST /_dev/sandbox-pay is mounted.
    payments_sandbox_url: str = ""

    # The link prefix registered in the mini-program's console under 扫普通链接二维码打开小程序 (https://…): a plain QR
    # code of `<prefix>?s=<code>` then opens the mini-program with that share code. Empty: share codes carry no
    # such link, and apps show the mini-program code image instead.
    share_qr_link_base: str = ""

    # Shareholder payouts by WeChat Pay merchant transfer (商家转账): the transfer scene enabled on the account
    # (1005 佣金报酬), what payees see the money as, and the limits configured for it at WeChat Pay (fen; 0: none).
    # Above the single limit WeChat Pay wants the payee's real name, which we never collect, so bills stay under.
    payout_transfer_scene_id: str = "1005"
    payout_recv_perception: str = "劳务报酬"
    payout_single_limit_fen: int = 20_000
    payout_per_payee_daily_limit_fen: int = 100_000
    payout_daily_limit_fen: int = 0

    # Opens the SMS reply callback (回T退订): each merchant's callback URL carries a token derived from it
    # (`jike sms-reply-url`); empty: the callback is off (404).
    sms_reply_secret: SecretStr = SecretStr("")

    # Bearer token /metrics wants; empty: /metrics is open outside production and off (404) in production.
    metrics_token: SecretStr = SecretStr("")

    max_body_bytes: int = 1024 * 1024
    graphql_max_depth: int = 12
    graphql_max_aliases: int = 30
    graphql_max_tokens: int = 2000
    # What one operation may cost: fields, each alias again, times the page size of every `first` above them.
    graphql_max_cost: int = 5000
    graphql_introspection: bool | None = Field(default=None, description="Defaults to on outside production.")

    # Failures that lock a staff phone at one client address for the window; the per-phone ceiling locks it from
    # every address, so a stranger alone cannot lock the real person out of their own device, and guesses from
    # many addresses stay bounded.
    staff_login_max_failures: int = 5
    staff_login_max_failures_per_phone: int = 50
    staff_login_lock_s: int = 15 * 60
    # argon2id's cost for staff passwords (RFC 9106's second recommendation); production refuses less. The test
    # suite lowers it: every test's owner is hashed and signed in, and this cost is 0.2 s of CPU each time.
    password_time_cost: int = Field(default=3, ge=1)
    password_memory_kib: int = Field(default=64 * 1024, ge=64)
    # Proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For names the client; empty: the peer is the client.
    trusted_proxies: str = ""

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except (ValidationError, SourceError) as error:
            raise SettingsRefused(_refusal(error)) from None

    @model_validator(mode="after")
    def _redis_is_reachable_as_written(self) -> "Settings":
        problems = _redis_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @model_validator(mode="after")
    def _production_needs_real_providers_and_secrets(self) -> "Settings":
        if self.env is Env.PRODUCTION:
            problems = _production_problems(self)
            if problems:
                raise ValueError("\n".join(problems))
        return self

    @property
    def previous_secret_keys(self) -> tuple[str, ...]:
        if self.secret_key_previous is None:
            return ()
        return tuple(key.strip() for key in self.secret_key_previous.get_secret_value().split(",") if key.strip())

    @property
    def notify_base_url(self) -> str:
        return (self.payments_notify_base_url or f"http://{self.http_host}:{self.http_port}").rstrip("/")

    def as_env(self) -> dict[str, str]:
        """These settings as the JIKE_* environment another process (`jike serve`) reads them back from."""
        env = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            elif isinstance(value, bool | dict):
                value = json.dumps(value)
            env[f"JIKE_{name.upper()}"] = str(value)
        return env

    @property
    def redis_tls(self) -> bool:
        return urlsplit(self.redis_url.get_secret_value()).scheme == "rediss"

    @property
    def sentinel_addresses(self) -> list[tuple[str, int]]:
        """JIKE_REDIS_SENTINELS as (host, port) pairs; the settings refuse a list that does not parse."""
        return [_host_port(entry) for entry in self.redis_sentinels.split(",") if entry.strip()]

    @cached_property
    def introspection(self) -> bool:
        if self.graphql_introspection is None:
            return self.env is not Env.PRODUCTION
        return self.graphql_introspection


def _name(field: str) -> str:
    return ENV_PREFIX + field.upper()


def _refusal(error: ValidationError | SourceError) -> str:
    """Each problem on its own line, named by its variable. Built from the error's messages and locations only:
    its `input` (and so its str()) holds the values."""
    if isinstance(error, SourceError):
        lines = [str(error)]
    else:
        lines = []
        for problem in error.errors(include_url=False, include_input=False):
            if problem["type"] == "value_error":
                text = str(problem["ctx"]["error"])
            elif problem["type"] == "missing":
                text = "not set"
            else:
                text = problem["msg"]
            where = ".".join(str(part) for part in problem["loc"])
            lines += [f"{_name(where)}: {line}" if where else line for line in text.splitlines()]
    return "jike: refused settings:\n" + "\n".join(f"  {line}" for line in lines)


def _host_port(entry: str) -> tuple[str, int]:
    host, _, port = entry.strip().rpartition(":")
    return host.strip("[]"), int(port)


def _redis_problems(settings: Settings) -> list[str]:
    problems = []
    # Read only for its scheme: the URL may carry a password.
    if urlsplit(settings.redis_url.get_secret_value()).scheme not in ("redis", "rediss"):
        problems.append(f"{_name('redis_url')}: must be a redis:// or rediss:// URL")
    for entry in settings.redis_sentinels.split(","):
        host, _, port = entry.strip().rpartition(":")
        if entry.strip() and not (host and port.isdigit()):
            problems.append(f"{_name('redis_sentinels')}: {entry.strip()!r} is not host:port")
    if settings.redis_tls_ca_file is not None and not settings.redis_tls_ca_file.is_file():
        problems.append(f"{_name('redis_tls_ca_file')}: no such file")
    return problems


# Lengths below which a key can be guessed or was plainly typed by hand.
_MIN_KEY_CHARS = 32


def _production_problems(settings: Settings) -> list[str]:
    problems = []
    for field in ("secret_key", "pii_key"):
        if len(getattr(settings, field).get_secret_value()) < _MIN_KEY_CHARS:
            problems.append(f"{_name(field)}: must be at least {_MIN_KEY_CHARS} characters in production")
    if any(len(key) < _MIN_KEY_CHARS for key in settings.previous_secret_keys):
        problems.append(
            f"{_name('secret_key_previous')}: each key must be at least {_MIN_KEY_CHARS} characters in production"
        )
    for field in ("wechat_appid", "wechat_secret"):
        if not _plain(settings, field):
            problems.append(f"{_name(field)}: must be set in production (members sign in through WeChat)")
    for field in ("wechat_api_base", "alipay_api_base", "wechatpay_api_base", "alipay_pay_api_base"):
        url = getattr(settings, field)
        if url and not _is_remote_https(url):
            problems.append(
                f"{_name(field)}: must be the provider's https URL in production, not a server on this machine "
                "such as the dev fake or the payments sandbox"
            )
    if settings.share_qr_link_base and not _is_remote_https(settings.share_qr_link_base):
        problems.append(
            f"{_name('share_qr_link_base')}: must be the mini-program's registered https link prefix in production"
        )
    problems += _password_cost_problems(settings)
    if settings.payments_sandbox_url:
        problems.append(f"{_name('payments_sandbox_url')}: must be empty in production (the sandbox is for dev)")
    problems += [
        f"{_name(field)}: is the dev payments sandbox's ({sandbox_keys_path(settings.data_dir)}), not the provider's"
        for field in _sandbox_keys_in_use(settings)
    ]
    return problems


def _password_cost_problems(settings: Settings) -> list[str]:
    if settings.password_time_cost >= 3 and settings.password_memory_kib >= 64 * 1024:
        return []
    return [
        f"{_name('password_time_cost')} and {_name('password_memory_kib')}: must be at least 3 passes and "
        "65536 KiB in production (a stolen staff table must stay slow to guess)"
    ]


def _is_remote_https(url: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host or host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True
    return not (address.is_loopback or address.is_unspecified)


def _sandbox_keys_in_use(settings: Settings) -> list[str]:
    """The payment settings holding a key or id of the sandbox `jike dev` made in this data dir: copied from the
    dev stack, they would let whoever has that dev data sign "paid" notifications we accept."""
    path = sandbox_keys_path(settings.data_dir)
    if not path.exists():
        return []
    # Imported only here: a production machine without dev data never loads sandbox code.
    from payments.sandbox.keys import SandboxKeys, private_pem

    keys = SandboxKeys.from_json(path.read_text())
    sandbox = {
        "wechatpay_mchid": keys.wechat_mchid,
        "wechatpay_merchant_serial_no": keys.wechat_merchant_serial_no,
        "wechatpay_merchant_private_key": private_pem(keys.wechat_merchant_key),
        "wechatpay_apiv3_key": keys.wechat_apiv3_key,
        "wechatpay_public_key_id": keys.wechat_public_key_id,
        "alipay_seller_id": keys.alipay_seller_id,
        "alipay_app_private_key": private_pem(keys.alipay_app_key),
    }
    return [field for field, theirs in sandbox.items() if _plain(settings, field) == theirs.strip() != ""]


def _plain(settings: Settings, field: str) -> str:
    value = getattr(settings, field)
    return str(value.get_secret_value() if isinstance(value, SecretStr) else value).strip()
