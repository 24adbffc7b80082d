"""The arq worker: clients opened once in `on_startup`, closed in `on_shutdown`.

arq retries only on `Retry`, so every job here is idempotent and turns transient failures into `Retry`.
"""

from contextlib import AsyncExitStack
from typing import Any

import httpx
from arq import Retry, cron
from arq.connections import RedisSettings

from api.clients import Clients, open_clients
from api.settings import Settings
from channels.wechat import WeChatError


async def keep_wechat_token_fresh(ctx: dict[str, Any]) -> None:
    """Refetch the cached access token before it expires, so no member-facing call waits on WeChat."""
    clients: Clients = ctx["clients"]
    if not clients.settings.wechat_appid:
        return
    try:
        await clients.wechat.access_token()
    except (httpx.HTTPError, WeChatError) as e:
        raise Retry(defer=30) from e


def worker_options(settings: Settings) -> dict[str, Any]:
    async def on_startup(ctx: dict[str, Any]) -> None:
        stack = AsyncExitStack()
        ctx["stack"] = stack
        ctx["clients"] = await stack.enter_async_context(open_clients(settings))

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        await ctx["stack"].aclose()

    return {
        "functions": [],
        "cron_jobs": [cron(keep_wechat_token_fresh, minute=set(range(0, 60, 10)), unique=True, max_tries=5)],
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "redis_settings": RedisSettings.from_dsn(settings.redis_url.get_secret_value()),
        "health_check_interval": 30,
    }
