"""How long to wait before trying a server again after it failed: the worker reconnecting to Redis, the API
ensuring its indexes while MongoDB is down, a job retried while the outbox cannot be written.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    first_s: float
    factor: float
    max_s: float

    def delay(self, failures: int) -> float:
        """The wait after `failures` failures in a row (1 for the first)."""
        return float(min(self.first_s * self.factor ** (failures - 1), self.max_s))
