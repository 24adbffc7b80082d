"""Runs `channels.fake` as its own HTTP server for `jike dev`; never in production."""

import uvicorn

from channels.alipay import load_private_key
from channels.fake import FakeState, create_fake_app
from startup.settings import Env, Settings


def run_fake_channels(settings: Settings, port: int, fake_alipay_private_key: str) -> None:
    if settings.env is Env.PRODUCTION:
        raise SystemExit("the fake WeChat/Alipay server is refused when JIKE_ENV=production")
    state = FakeState(
        appid=settings.wechat_appid,
        secret=settings.wechat_secret.get_secret_value(),
        alipay_app_id=settings.alipay_app_id,
        alipay_app_public_key=load_private_key(settings.alipay_app_private_key.get_secret_value()).public_key(),
        alipay_private_key=load_private_key(fake_alipay_private_key),
    )
    uvicorn.run(create_fake_app(state), host="127.0.0.1", port=port, log_level="warning")
