"""The SMS channel: a small interface a provider adapter implements, and the logging one used until a provider
is configured (and in dev and tests). Sending takes the plain phone number; logs only ever see it masked.
"""

import logging
from typing import Protocol

from domain.pii import mask_phone

log = logging.getLogger(__name__)


class SmsFailed(Exception):
    """The provider did not take the message; it is tried again later."""


class SmsSender(Protocol):
    async def send(self, *, phone: str, text: str) -> None:
        """Hands the text to the provider; raises SmsFailed when it did not take it."""
        ...


class LoggingSms:
    async def send(self, *, phone: str, text: str) -> None:
        log.info("sms to %s: %s", mask_phone(phone), text)
