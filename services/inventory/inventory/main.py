"""The inventory service's only wiring point: `uvicorn --factory inventory.main:create_app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from inventory import consumers
from inventory.api import catalog, exports, outbound, receipts, returns, stock, stocktakes
from inventory.config import InventorySettings
from inventory.db import kit
from servicekit.app import create_service_app
from servicekit.clock import Clock
from servicekit.runtime import ServiceDefinition

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def definition(settings: InventorySettings | None = None) -> ServiceDefinition[InventorySettings]:
    settings = settings or InventorySettings()
    return ServiceDefinition(
        name="inventory",
        description="Inventory: products, stock, reservations, goods receipts, outbound orders, shipments.",
        tables=kit,
        routers=[
            catalog.router,
            stock.router,
            exports.router,
            outbound.router,
            receipts.router,
            returns.router,
            stocktakes.router,
            exports.imports,
        ],
        handlers=consumers.build(settings),
        migrations_dir=MIGRATIONS,
    )


def create_app(settings: InventorySettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or InventorySettings()
    return create_service_app(definition(settings), settings, clock=clock)
