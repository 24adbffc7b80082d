"""Every client the service talks through, made once at start-up and closed at shutdown."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

import httpx
from redis.asyncio import Redis

from channels.alipay import AlipayClient, load_private_key, load_public_key
from channels.wechat import WeChatClient
from db.mongo import Mongo, open_mongo
from domain.checkout.providers import Providers
from domain.keyring import Keyring
from domain.notifications.delivery import Outlets
from domain.notifications.sms import LoggingSms
from domain.passwords import PasswordCost, Passwords
from domain.payouts.channel import PayoutChannel
from domain.payouts.model import TransferLimits
from domain.pii import PiiCipher
from domain.sessions import TokenSigner
from domain.staff_auth import LockoutPolicy
from payments.alipay import AlipayConfig, AlipayPayClient
from payments.wechatpay import WeChatPayClient, WeChatPayConfig
from payments.wechatpay.transfers import WeChatTransferClient
from startup.redis_connection import redis_client
from startup.settings import Settings


@dataclass(frozen=True)
class Clients:
    settings: Settings
    mongo: Mongo
    redis: Redis
    http: httpx.AsyncClient
    wechat: WeChatClient
    alipay: AlipayClient | None
    pii: PiiCipher
    # The service secret and, during a rotation, the ones it replaced: every signer's keys.
    keys: Keyring
    signer: TokenSigner
    passwords: Passwords
    lockout: LockoutPolicy
    payments: Providers
    # Shareholder payouts through the WeChat Pay merchant account; None when WeChat Pay is not configured.
    payouts: PayoutChannel | None

    def outlets(self) -> Outlets:
        """Everything a notification goes out through; SMS is logged until a provider is configured."""
        return Outlets(
            mongo=self.mongo,
            wechat=self.wechat,
            sms=LoggingSms(),
            pii=self.pii,
            template_ids=self.settings.wechat_subscribe_templates,
        )


def passwords(settings: Settings) -> Passwords:
    return Passwords(PasswordCost(time_cost=settings.password_time_cost, memory_kib=settings.password_memory_kib))


@asynccontextmanager
async def open_clients(settings: Settings) -> AsyncIterator[Clients]:
    mongo = open_mongo(
        settings.mongodb_uri.get_secret_value(),
        settings.mongodb_db,
        server_selection_timeout_ms=settings.mongodb_server_selection_timeout_ms,
    )
    redis = redis_client(settings, Redis, decode_responses=True)
    # WeChat expects answers within a few seconds; a hung upstream must not hang a member's login.
    http = httpx.AsyncClient(timeout=httpx.Timeout(5.0, connect=2.0))
    payments = payment_providers(settings, http)
    keys = keyring(settings)
    try:
        yield Clients(
            settings=settings,
            mongo=mongo,
            redis=redis,
            http=http,
            wechat=WeChatClient(
                http=http,
                redis=redis,
                base_url=settings.wechat_api_base,
                appid=settings.wechat_appid,
                secret=settings.wechat_secret.get_secret_value(),
            ),
            alipay=_alipay(settings, http),
            pii=PiiCipher(settings.pii_key.get_secret_value()),
            keys=keys,
            signer=TokenSigner(
                keys,
                access_ttl=timedelta(seconds=settings.access_token_ttl_s),
                refresh_ttl=timedelta(seconds=settings.refresh_token_ttl_s),
            ),
            passwords=passwords(settings),
            lockout=LockoutPolicy(
                max_failures=settings.staff_login_max_failures,
                max_failures_per_phone=settings.staff_login_max_failures_per_phone,
                window_s=settings.staff_login_lock_s,
            ),
            payments=payments,
            payouts=payout_channel(settings, payments, http),
        )
    finally:
        await http.aclose()
        await redis.aclose()
        await mongo.close()


def keyring(settings: Settings) -> Keyring:
    return Keyring(settings.secret_key.get_secret_value(), settings.previous_secret_keys)


def _alipay(settings: Settings, http: httpx.AsyncClient) -> AlipayClient | None:
    """Alipay is optional: a merchant on WeChat alone configures no Alipay keys."""
    if not settings.alipay_app_id:
        return None
    return AlipayClient(
        http=http,
        gateway=settings.alipay_api_base,
        app_id=settings.alipay_app_id,
        app_private_key=load_private_key(settings.alipay_app_private_key.get_secret_value()),
        alipay_public_key=load_public_key(settings.alipay_public_key),
    )


def payment_providers(settings: Settings, http: httpx.AsyncClient) -> Providers:
    """WeChat Pay and Alipay payments, each off until its merchant account is configured."""
    wechatpay = None
    if settings.wechatpay_mchid:
        wechatpay = WeChatPayClient(
            WeChatPayConfig(
                base_url=settings.wechatpay_api_base,
                mchid=settings.wechatpay_mchid,
                appid=settings.wechat_appid,
                merchant_serial_no=settings.wechatpay_merchant_serial_no,
                merchant_private_key=load_private_key(settings.wechatpay_merchant_private_key.get_secret_value()),
                apiv3_key=settings.wechatpay_apiv3_key.get_secret_value(),
                public_key_id=settings.wechatpay_public_key_id,
                public_key=load_public_key(settings.wechatpay_public_key),
            ),
            http=http,
        )
    alipay = None
    if settings.alipay_app_id and settings.alipay_seller_id:
        alipay = AlipayPayClient(
            AlipayConfig(
                gateway=settings.alipay_pay_api_base or settings.alipay_api_base,
                app_id=settings.alipay_app_id,
                seller_id=settings.alipay_seller_id,
                app_private_key=load_private_key(settings.alipay_app_private_key.get_secret_value()),
                alipay_public_key=load_public_key(settings.alipay_public_key),
            ),
            http=http,
        )
    base = settings.notify_base_url
    return Providers(wechatpay, alipay, f"{base}/webhooks/wechatpay", f"{base}/webhooks/alipay")


def payout_channel(s: Settings, payments: Providers, http: httpx.AsyncClient) -> PayoutChannel | None:
    """Shareholder payouts go out through the WeChat Pay merchant account, when one is configured."""
    wechatpay = payments.wechatpay
    if wechatpay is None:
        return None
    return PayoutChannel(
        transfers=WeChatTransferClient(wechatpay.config, http=http),
        notify_url=f"{s.notify_base_url}/webhooks/wechatpay/transfer",
        limits=TransferLimits(s.payout_single_limit_fen, s.payout_per_payee_daily_limit_fen, s.payout_daily_limit_fen),
        scene_id=s.payout_transfer_scene_id,
        perception=s.payout_recv_perception,
    )
