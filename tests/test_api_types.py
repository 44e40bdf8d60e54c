"""The console's generated API types (web/src/api/types) match the services' OpenAPI documents today."""

from __future__ import annotations

from tools.api_types import stale


def test_the_console_api_types_are_not_stale() -> None:
    assert stale() == [], "run `make api-types` and commit web/src/api/types"
