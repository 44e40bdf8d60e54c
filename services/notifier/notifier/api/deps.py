"""Roles per endpoint family."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from servicekit.auth import ROLES, Principal, require

STAFF = tuple(r for r in ROLES if r not in ("admin", "auditor"))
MANAGERS = ("purchasing_manager", "sales_manager", "finance_manager")

Anyone = Annotated[Principal, Depends(require(*STAFF, read=True))]
Staff = Annotated[Principal, Depends(require(*STAFF))]
StaffRead = Annotated[Principal, Depends(require(*STAFF, read=True))]
ManagerRead = Annotated[Principal, Depends(require(*MANAGERS, read=True))]
Admin = Annotated[Principal, Depends(require("admin"))]
