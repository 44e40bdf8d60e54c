"""A small typed client over the five services' HTTP APIs, shared by the end-to-end tests, the demo seed, the
benchmark and the chaos run: master data, stock, orders, picking and shipping, payments."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import httpx

from servicekit.auth import issue_token

Json = dict[str, Any]
SAGA_TERMINAL = frozenset({"confirmed", "rejected", "cancelled", "backordered"})
WAREHOUSE = "WH-SH"


class ApiError(AssertionError):
    pass


class Api:
    """Calls as a user with the given roles; `clients` maps service name → httpx client with its base URL."""

    def __init__(self, clients: dict[str, httpx.AsyncClient], secret: str, user: str = "demo") -> None:
        self._clients = clients
        self._secret = secret
        self._user = user
        self._tokens: dict[tuple[str, ...], str] = {}

    def headers(self, *roles: str) -> dict[str, str]:
        key = tuple(sorted(roles))
        if key not in self._tokens:
            self._tokens[key] = issue_token(self._secret, self._user, list(roles))
        return {"Authorization": f"Bearer {self._tokens[key]}"}

    async def call(
        self, service: str, method: str, path: str, roles: Iterable[str], *, ok: Iterable[int] = (200, 201), **kw: Any
    ) -> Any:
        response = await self._clients[service].request(method, f"/api/v1{path}", headers=self.headers(*roles), **kw)
        if response.status_code not in set(ok):
            raise ApiError(f"{method} {service}{path} → {response.status_code}: {response.text[:500]}")
        return response.json()

    async def get(self, service: str, path: str, roles: Iterable[str]) -> httpx.Response:
        return await self._clients[service].get(f"/api/v1{path}", headers=self.headers(*roles))

    # --- master data and stock ------------------------------------------------------------------------
    async def warehouse(self, code: str = WAREHOUSE, name: str = "上海仓") -> None:
        await self.call("inventory", "POST", "/warehouses", ["admin"], json={"code": code, "name": name}, ok=(201, 409))

    async def product(self, sku: str, *, name: str | None = None, barcodes: list[str] | None = None, **kw: Any) -> Json:
        body = {"sku": sku, "name": name or sku, "barcodes": barcodes or [f"69{abs(hash(sku)) % 10**11:011d}"], **kw}
        result: Json = await self.call("inventory", "POST", "/products", ["admin"], json=body, ok=(201,))
        return result

    async def opening_stock(self, sku: str, qty: Decimal | int, unit_cost: str = "10.00", wh: str = WAREHOUSE) -> None:
        body = {"sku": sku, "warehouse_code": wh, "qty": str(qty), "unit_cost": unit_cost}
        await self.call("inventory", "POST", "/stock/opening", ["warehouse"], json=body)

    async def adjust_stock(self, sku: str, delta: Decimal | int, reason: str = "found", wh: str = WAREHOUSE) -> None:
        body = {
            "sku": sku,
            "warehouse_code": wh,
            "qty_delta": str(delta),
            "reason_code": "correction",
            "reason": reason,
        }
        await self.call("inventory", "POST", "/stock/adjustments", ["warehouse"], json=body)

    async def stock(self, sku: str) -> list[Json]:
        result: list[Json] = await self.call("inventory", "GET", "/stock", ["warehouse"], params={"sku": [sku]})
        return result

    async def customer(self, code: str, credit_limit: str = "1000000.00", terms: int = 30, **kw: Any) -> None:
        body = {"code": code, "name": kw.pop("name", code), "credit_limit": credit_limit, "payment_terms_days": terms}
        await self.call("sales", "POST", "/customers", ["sales_manager"], json={**body, **kw})

    async def credit_account_exists(self, code: str) -> bool:
        return (await self.get("finance", f"/credit-accounts/{code}", ["finance"])).status_code == 200

    # --- orders --------------------------------------------------------------------------------------
    @staticmethod
    def order_body(
        customer: str, lines: Sequence[tuple[str, int | str, str]], *, channel: str = "web", **kw: Any
    ) -> Json:
        return {
            "customer_code": customer,
            "channel": channel,
            "lines": [
                {"sku": sku, "qty": str(qty), "unit_price": price, "tax_rate": "0.13"} for sku, qty, price in lines
            ],
            **kw,
        }

    async def place_order(
        self, customer: str, lines: Sequence[tuple[str, int | str, str]], *, channel: str = "web", **kw: Any
    ) -> Json:
        body = self.order_body(customer, lines, channel=channel, **kw)
        result: Json = await self.call("sales", "POST", "/orders", ["sales"], json=body)
        return result

    async def order(self, order_no: str) -> Json:
        result: Json = await self.call("sales", "GET", f"/orders/{order_no}", ["sales"])
        return result

    async def wait_order(self, order_no: str, statuses: Iterable[str], timeout: float = 30) -> Json:
        wanted = set(statuses)
        deadline = time.monotonic() + timeout
        while True:
            order = await self.order(order_no)
            if order["status"] in wanted:
                return order
            if time.monotonic() > deadline:
                raise AssertionError(f"{order_no} is {order['status']}, not {sorted(wanted)} after {timeout}s")
            await asyncio.sleep(0.1)

    async def cancel(self, order_no: str, reason: str = "customer changed their mind") -> Json:
        result: Json = await self.call(
            "sales", "POST", f"/orders/{order_no}/cancel", ["sales"], json={"reason": reason}
        )
        return result

    # --- fulfilment ----------------------------------------------------------------------------------
    async def outbound_of(self, order_no: str, timeout: float = 30) -> Json:
        deadline = time.monotonic() + timeout
        while True:
            found: list[Json] = await self.call(
                "inventory", "GET", "/outbound-orders", ["warehouse"], params={"order_no": order_no}
            )
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"no outbound order for {order_no} after {timeout}s")
            await asyncio.sleep(0.1)

    async def pick_all(self, do_no: str) -> Json:
        result: Json = await self.call("inventory", "POST", f"/outbound-orders/{do_no}/pick-all", ["warehouse"])
        return result

    async def ship(self, do_no: str, carrier: str = "SF Express", tracking_no: str | None = None) -> Json:
        body = {"carrier": carrier, "tracking_no": tracking_no or f"SF{do_no[-6:]}"}
        result: Json = await self.call("inventory", "POST", f"/outbound-orders/{do_no}/ship", ["warehouse"], json=body)
        return result

    async def pay(self, customer: str, amount: Decimal | str, on: date | None = None) -> Json:
        body = {"customer_code": customer, "amount": str(amount), "received_on": (on or date.today()).isoformat()}
        result: Json = await self.call("finance", "POST", "/payments", ["finance"], json=body)
        return result


class BearerApi(Api):
    """The same calls with one bearer token for every role (a token the gateway issued to a user whose roles
    allow them, e.g. admin)."""

    def __init__(self, clients: dict[str, httpx.AsyncClient], access_token: str, user: str = "admin") -> None:
        super().__init__(clients, secret="", user=user)
        self._access_token = access_token

    def headers(self, *roles: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._access_token}"}
