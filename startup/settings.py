"""The one typed settings object, read from JIKE_* environment variables (and `.env`).

Secrets are SecretStr so they never show up in logs or reprs.
"""

from enum import StrEnum
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from db.mongo import SERVER_SELECTION_TIMEOUT_MS


class Env(StrEnum):
    DEV = "dev"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JIKE_", env_file=".env", extra="ignore")

    env: Env = Env.DEV
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    data_dir: Path = Path(".jike")
    # Exists while `jike worker` is started and polling Redis, for an exec probe (`test -f`); None: in data_dir.
    worker_ready_file: Path | None = None
    log_level: str = "INFO"

    mongodb_uri: SecretStr = SecretStr("mongodb://127.0.0.1:27017/?directConnection=true")
    mongodb_db: str = "jike"
    redis_url: SecretStr = SecretStr("redis://127.0.0.1:6379/0")
    # How long the API and the worker wait for a usable MongoDB server before an operation fails (a request then
    # answers UNAVAILABLE); pymongo's own default is 30 s.
    mongodb_server_selection_timeout_ms: int = SERVER_SELECTION_TIMEOUT_MS

    # Signs access tokens; rotating it logs everyone out.
    secret_key: SecretStr
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

    # Shareholder payouts by WeChat Pay merchant transfer (商家转账): the transfer scene enabled on the account
    # (1005 佣金报酬), what payees see the money as, and the limits configured for it at WeChat Pay (fen; 0: none).
    # Above the single limit WeChat Pay wants the payee's real name, which we never collect, so bills stay under.
    payout_transfer_scene_id: str = "1005"
    payout_recv_perception: str = "劳务报酬"
    payout_single_limit_fen: int = 20_000
    payout_per_payee_daily_limit_fen: int = 100_000
    payout_daily_limit_fen: int = 0

    max_body_bytes: int = 1024 * 1024
    graphql_max_depth: int = 12
    graphql_max_aliases: int = 30
    graphql_max_tokens: int = 2000
    graphql_introspection: bool | None = Field(default=None, description="Defaults to on outside production.")

    staff_login_max_failures: int = 5
    staff_login_lock_s: int = 15 * 60

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> "Settings":
        if self.env is Env.PRODUCTION and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("JIKE_SECRET_KEY must be at least 32 characters in production")
        return self

    @property
    def notify_base_url(self) -> str:
        return (self.payments_notify_base_url or f"http://{self.http_host}:{self.http_port}").rstrip("/")

    @cached_property
    def introspection(self) -> bool:
        if self.graphql_introspection is None:
            return self.env is not Env.PRODUCTION
        return self.graphql_introspection
