"""Why an export or an import of a merchant was refused."""

from enum import StrEnum

from domain.errors import DomainError


class MoveCode(StrEnum):
    EXPORT_MERCHANT_NOT_FOUND = "EXPORT_MERCHANT_NOT_FOUND"
    EXPORT_DIR_NOT_EMPTY = "EXPORT_DIR_NOT_EMPTY"
    MANIFEST_INVALID = "MANIFEST_INVALID"
    EXPORT_FILE_TAMPERED = "EXPORT_FILE_TAMPERED"
    MERCHANT_ALREADY_THERE = "MERCHANT_ALREADY_THERE"
    IMPORT_CONFLICT = "IMPORT_CONFLICT"
    IMPORT_VERIFY_FAILED = "IMPORT_VERIFY_FAILED"


class MoveError(DomainError):
    pass
