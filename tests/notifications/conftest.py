"""Notification givens: the workers' settings (a subscribe template per topic), the service's clients opened
as the worker opens them, and the outlets a notification goes out through.
"""

from collections.abc import AsyncIterator

import pytest

from db.mongo import Mongo
from domain.notifications.delivery import Outlets
from startup.clients import Clients, open_clients
from startup.settings import Settings
from tests.workers.conftest import TEMPLATES
from workers.events import outlets


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"wechat_subscribe_templates": TEMPLATES})


@pytest.fixture
async def clients(settings: Settings, mongo: Mongo) -> AsyncIterator[Clients]:
    async with open_clients(settings) as opened:
        yield opened


@pytest.fixture
def out(clients: Clients) -> Outlets:
    return outlets(clients)
