"""The jobs capability's error codes."""

from enum import StrEnum

from domain.errors import DomainError


class JobsCode(StrEnum):
    DEAD_LETTER_NOT_FOUND = "DEAD_LETTER_NOT_FOUND"
    DEAD_LETTER_ALREADY_RETRIED = "DEAD_LETTER_ALREADY_RETRIED"
    CRON_JOB_NOT_FOUND = "CRON_JOB_NOT_FOUND"
    CRON_JOB_RUNNING = "CRON_JOB_RUNNING"


class JobsError(DomainError):
    pass
