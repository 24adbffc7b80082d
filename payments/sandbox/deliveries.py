"""How the sandbox calls our webhooks, the way the providers do: one HTTP POST per notification, recorded.

Every delivery and our answer to it is kept, so a test can wait for a notification the sandbox sends on its own
(refunds) and see exactly what our webhook answered.
"""

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class SignedNotification:
    """A WeChat Pay notification exactly as it goes on the wire: the signed headers and the raw body."""

    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Delivery:
    provider: str
    # The out_trade_no of a payment notification, the out_refund_no / out_request_no of a refund notification.
    reference: str
    url: str
    # 0 when our webhook could not be reached at all.
    status: int
    answer: str


class Deliveries:
    def __init__(self) -> None:
        self.log: list[Delivery] = []
        self._changed = asyncio.Condition()

    async def post(
        self,
        provider: str,
        reference: str,
        url: str,
        *,
        content: bytes | None = None,
        form: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Delivery:
        try:
            async with httpx.AsyncClient(timeout=10) as http:
                response = await http.post(url, content=content, data=form, headers=headers)
            delivery = Delivery(provider, reference, url, response.status_code, response.text)
        except httpx.HTTPError as e:
            delivery = Delivery(provider, reference, url, 0, f"{type(e).__name__}: {e}")
        async with self._changed:
            self.log.append(delivery)
            self._changed.notify_all()
        return delivery

    async def wait_for(self, reference: str, seconds: float = 5.0) -> Delivery:
        """The first delivery about `reference`, once made (for notifications the sandbox sends on its own)."""
        async with self._changed:
            matches = await asyncio.wait_for(
                self._changed.wait_for(lambda: [d for d in self.log if d.reference == reference]), seconds
            )
        return matches[0]
