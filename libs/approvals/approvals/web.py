"""Turn an engine refusal into the service's problem+json answer (403 for a wrong role, else 409/422)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from approvals.domain import ApprovalError
from servicekit.errors import DomainError


def as_domain_error(exc: ApprovalError) -> DomainError:
    error = DomainError(exc.code, exc.detail)
    error.status = exc.status
    return error


@contextmanager
def approval_errors() -> Iterator[None]:
    """`with approval_errors(): state = decide(...)` — refusals become problem responses."""
    try:
        yield
    except ApprovalError as exc:
        raise as_domain_error(exc) from exc
