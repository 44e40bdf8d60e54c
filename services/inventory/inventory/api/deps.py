"""Who may call what: role dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from servicekit.auth import Principal, require

ALL_STAFF = ("warehouse", "purchaser", "purchasing_manager", "sales", "sales_manager", "finance", "finance_manager")

Reader = Annotated[Principal, Depends(require(*ALL_STAFF, read=True))]
"""Every staff role and the auditor may read stock, products and documents."""
Warehouse = Annotated[Principal, Depends(require("warehouse"))]
"""Stock operations, picking, shipping, receipts."""
CatalogEditor = Annotated[Principal, Depends(require("warehouse", "purchasing_manager"))]
Receiver = Annotated[Principal, Depends(require("warehouse", "purchasing_manager"))]
