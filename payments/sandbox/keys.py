"""Every key and id of one sandbox world: our halves (merchant / app keys) and the providers' halves.

Tests call `SandboxKeys.generate()` once per session. The dev stack calls `SandboxKeys.load_or_create(path)` with
a file under its data dir, so the API process (our halves, through `wechatpay_config` / `alipay_config`) and the
sandbox process (the providers' halves) share one world across restarts. Nothing here is ever a real key.
"""

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from channels.alipay import load_private_key
from payments.alipay import AlipayConfig
from payments.wechatpay import WeChatPayConfig


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_pem(key: rsa.RSAPublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


_KEY_FIELDS = ("wechat_merchant_key", "wechat_platform_key", "alipay_app_key", "alipay_platform_key")


@dataclass(frozen=True)
class SandboxKeys:
    wechat_mchid: str
    wechat_appid: str
    wechat_merchant_serial_no: str
    # Ours: signs API requests and paySign.
    wechat_merchant_key: rsa.RSAPrivateKey
    wechat_apiv3_key: str
    wechat_public_key_id: str
    # WeChat Pay's: signs its answers and notifications.
    wechat_platform_key: rsa.RSAPrivateKey
    alipay_app_id: str
    alipay_seller_id: str
    # Ours: signs gateway requests.
    alipay_app_key: rsa.RSAPrivateKey
    # Alipay's: signs its answers and notifications.
    alipay_platform_key: rsa.RSAPrivateKey

    @classmethod
    def generate(
        cls, *, wechat_appid: str = "wxsandbox000000000", alipay_app_id: str = "2021000000000001"
    ) -> "SandboxKeys":
        return cls(
            wechat_mchid="19" + "".join(secrets.choice("0123456789") for _ in range(8)),
            wechat_appid=wechat_appid,
            wechat_merchant_serial_no=secrets.token_hex(20).upper(),
            wechat_merchant_key=new_rsa_key(),
            wechat_apiv3_key=secrets.token_hex(16),
            wechat_public_key_id="PUB_KEY_ID_" + secrets.token_hex(16).upper(),
            wechat_platform_key=new_rsa_key(),
            alipay_app_id=alipay_app_id,
            alipay_seller_id="2088" + "".join(secrets.choice("0123456789") for _ in range(12)),
            alipay_app_key=new_rsa_key(),
            alipay_platform_key=new_rsa_key(),
        )

    def to_json(self) -> str:
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        values.update({name: private_pem(values[name]) for name in _KEY_FIELDS})
        return json.dumps(values, indent=1)

    @classmethod
    def from_json(cls, text: str) -> "SandboxKeys":
        values = json.loads(text)
        values.update({name: load_private_key(values[name]) for name in _KEY_FIELDS})
        return cls(**values)

    @classmethod
    def load_or_create(cls, path: Path, *, wechat_appid: str, alipay_app_id: str) -> "SandboxKeys":
        """The dev stack's keys: made on first start, then the same ones, so pending payments survive restarts."""
        if path.exists():
            return cls.from_json(path.read_text())
        keys = cls.generate(wechat_appid=wechat_appid, alipay_app_id=alipay_app_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(keys.to_json())
        path.chmod(0o600)
        return keys

    def wechatpay_config(self, base_url: str) -> WeChatPayConfig:
        """What our WeChat Pay client needs to talk to a sandbox at base_url."""
        return WeChatPayConfig(
            base_url=base_url,
            mchid=self.wechat_mchid,
            appid=self.wechat_appid,
            merchant_serial_no=self.wechat_merchant_serial_no,
            merchant_private_key=self.wechat_merchant_key,
            apiv3_key=self.wechat_apiv3_key,
            public_key_id=self.wechat_public_key_id,
            public_key=self.wechat_platform_key.public_key(),
        )

    def alipay_config(self, gateway: str) -> AlipayConfig:
        """What our Alipay client needs to talk to a sandbox gateway (…/gateway.do)."""
        return AlipayConfig(
            gateway=gateway,
            app_id=self.alipay_app_id,
            seller_id=self.alipay_seller_id,
            app_private_key=self.alipay_app_key,
            alipay_public_key=self.alipay_platform_key.public_key(),
        )
