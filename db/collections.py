"""Every collection name, in one place, so a rename is one edit and a typo is an AttributeError."""

from typing import Final

MERCHANTS: Final = "merchants"
STORES: Final = "stores"
STAFF: Final = "staff"
MEMBERS: Final = "members"
REFRESH_TOKENS: Final = "refresh_tokens"
AUDIT_LOG: Final = "audit_log"
