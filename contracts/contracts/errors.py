"""The one error the contracts package raises for a message it cannot accept."""

from __future__ import annotations


class ContractError(ValueError):
    """A message that does not satisfy its contract: unknown type/version, invalid payload, wrong key.

    `reason` is readable and names the offending fields; consumers put it on the dead-letter record.
    """

    def __init__(self, reason: str, *, message_type: str | None = None, version: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message_type = message_type
        self.version = version
