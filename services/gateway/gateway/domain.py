"""The gateway's rules, free of I/O: users and roles, the password policy, the login lockout, which roles may see
which service's data, and the change notice pushed to the browsers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from contracts.common import ROLES

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,62}$")

# Who sees the live notices of which service's data (admin and auditor see everything). The console shows a
# notice only as a hint to re-fetch; the services remain the authority on what a role may read.
EVERYONE = frozenset(ROLES)
VISIBLE_TO: dict[str, frozenset[str]] = {
    "purchasing": frozenset({"purchaser", "purchasing_manager", "warehouse", "finance", "finance_manager"}),
    "sales": frozenset({"sales", "sales_manager", "warehouse", "finance", "finance_manager"}),
    "inventory": frozenset({"warehouse", "purchaser", "purchasing_manager", "sales", "sales_manager"}),
    "finance": frozenset({"finance", "finance_manager"}),
    "notifier": EVERYONE,
    "analytics": EVERYONE,
}
SEE_ALL = frozenset({"admin", "auditor"})


class UserError(Exception):
    """A rule about users said no; `code` is stable."""

    def __init__(self, code: str, detail: str, status: int = 409, field: str | None = None) -> None:
        super().__init__(detail)
        self.code, self.detail, self.status, self.field = code, detail, status, field


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    email: str | None
    roles: tuple[str, ...]
    active: bool

    def public(self) -> dict[str, object]:
        return {
            "username": self.username,
            "display_name": self.display_name,
            "email": self.email,
            "roles": list(self.roles),
            "active": self.active,
        }


def check_roles(roles: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise UserError("unknown_role", f"unknown roles: {', '.join(unknown)}", status=422, field="roles")
    return tuple(r for r in ROLES if r in set(roles))  # canonical order, no duplicates


def check_password(password: str, *, min_length: int, username: str = "") -> None:
    """A weak password is refused (422): too short, the username itself, or one repeated character."""
    if len(password) < min_length:
        raise UserError(
            "weak_password", f"the password needs at least {min_length} characters", status=422, field="password"
        )
    if username and password.lower() == username.lower():
        raise UserError("weak_password", "the password must differ from the username", status=422, field="password")
    if len(set(password)) < 3:
        raise UserError("weak_password", "the password is too simple", status=422, field="password")


@dataclass(frozen=True)
class LockoutPolicy:
    threshold: int
    window: timedelta
    duration: timedelta

    def locked_until(self, failures: list[datetime], now: datetime) -> datetime | None:
        """Failures (newest last, since the last success): locked when `threshold` of them fall within `window`;
        until `duration` after the one that reached the threshold."""
        recent = [at for at in failures if at > now - self.window - self.duration]
        for i in range(len(recent) - self.threshold + 1):
            first, last = recent[i], recent[i + self.threshold - 1]
            if last - first <= self.window and last + self.duration > now:
                return last + self.duration
        return None


def may_see(roles: frozenset[str], service: str) -> bool:
    if roles & SEE_ALL:
        return True
    return bool(roles & VISIBLE_TO.get(service, frozenset()))


@dataclass(frozen=True)
class Notice:
    """A small change notice: the console re-fetches what it concerns."""

    entity: str
    number: str
    status: str | None
    anomaly: bool
    reason: str | None
    service: str
    event_type: str
    at: str  # ISO-8601 UTC

    def data(self) -> dict[str, object]:
        return {
            "entity": self.entity,
            "number": self.number,
            "status": self.status,
            "anomaly": self.anomaly,
            "reason": self.reason,
            "service": self.service,
            "event_type": self.event_type,
            "at": self.at,
        }
