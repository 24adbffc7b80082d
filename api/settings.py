"""The one typed settings object, read from JIKE_* environment variables (and `.env`).

Secrets are SecretStr so they never show up in logs or reprs.
"""

from enum import StrEnum
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    log_level: str = "INFO"

    mongodb_uri: SecretStr = SecretStr("mongodb://127.0.0.1:27017/?directConnection=true")
    mongodb_db: str = "jike"
    redis_url: SecretStr = SecretStr("redis://127.0.0.1:6379/0")

    # Signs access tokens; rotating it logs everyone out.
    secret_key: SecretStr
    # AES-GCM key material for phone numbers at rest; losing it loses every stored phone.
    pii_key: SecretStr

    access_token_ttl_s: int = 15 * 60
    refresh_token_ttl_s: int = 30 * 24 * 3600

    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_appid: str = ""
    wechat_secret: SecretStr = SecretStr("")

    alipay_api_base: str = "https://openapi.alipay.com/gateway.do"
    alipay_app_id: str = ""
    alipay_app_private_key: SecretStr = SecretStr("")
    alipay_public_key: str = ""

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

    @cached_property
    def introspection(self) -> bool:
        if self.graphql_introspection is None:
            return self.env is not Env.PRODUCTION
        return self.graphql_introspection
