"""The way money leaves: the merchant account's transfer client, where WeChat Pay reports finished bills, the
transfer scene we declare, the account's limits, and the pacing of queries. Made at the edges from settings.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from domain.payouts.model import TransferLimits
from payments.wechatpay.transfers import SceneReport, WeChatTransferClient

# 佣金报酬 (commissions), with the report info types the scene requires.
DEFAULT_SCENE_ID = "1005"
DEFAULT_PERCEPTION = "劳务报酬"
DEFAULT_REPORTS = (SceneReport("岗位类型", "推广分红股东"), SceneReport("报酬说明", "推广分红"))


@dataclass(frozen=True)
class Pacing:
    """How long a sent bill may stay without an answer before we ask WeChat Pay about it, and how often we ask
    about bills that wait for their payee (their notification may never come)."""

    unknown_after: timedelta = timedelta(minutes=2)
    poll_every: timedelta = timedelta(minutes=30)
    # Bills being moved (accepted, processing, transferring) are asked about sooner.
    poll_moving_every: timedelta = timedelta(minutes=2)
    provider_busy_retry: timedelta = timedelta(minutes=5)


@dataclass(frozen=True)
class PayoutChannel:
    transfers: WeChatTransferClient
    notify_url: str
    limits: TransferLimits = TransferLimits()
    scene_id: str = DEFAULT_SCENE_ID
    perception: str = DEFAULT_PERCEPTION
    reports: Sequence[SceneReport] = DEFAULT_REPORTS
    pacing: Pacing = field(default_factory=Pacing)
