"""The amounts of a document line, defined once: an invoice must equal its order to the cent, so sales (the
order), finance (the invoice) and purchasing (the purchase order) all price a line with these.

A line's net is quantity × unit price × (1 − discount) and its tax is net × tax rate, each rounded half-up to
cents on its own; a document's net and tax are the sums of its lines' (never a total rounded once)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def cents(value: Decimal) -> Decimal:
    """Rounded half-up to cents (how every amount of the platform is rounded)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_net(qty: Decimal, unit_price: Decimal, discount: Decimal = ZERO) -> Decimal:
    return cents(qty * unit_price * (1 - discount))


def line_tax(net: Decimal, tax_rate: Decimal) -> Decimal:
    return cents(net * tax_rate)
