"""The three ways a provider exchange fails, the same for WeChat Pay and Alipay, so the domain catches one set.

A refusal is definite (nothing happened); an unavailable provider leaves the outcome unknown; a rejected
notification is one we must answer with a failure so the provider retries or gives up.
"""


class ProviderRefused(Exception):
    """The provider answered, verifiably, that it did not do what we asked (e.g. ORDERPAID, ACQ.TRADE_NOT_EXIST)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class ProviderUnavailable(Exception):
    """No verified answer: unreachable, 5xx, or a response whose signature did not verify.

    The call may or may not have taken effect; retrying with the same out_trade_no / out_refund_no is safe,
    because both providers treat those numbers as idempotency keys.
    """


class NotificationRejected(Exception):
    """A webhook call that is not a verified notification for this merchant; `reason` is for the log only."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
