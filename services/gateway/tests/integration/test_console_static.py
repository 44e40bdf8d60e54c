"""The web console's static build served by the gateway (GATEWAY_WEB_DIST), from a build made up in a temporary
folder: hashed assets with a year's immutable cache, index.html (never cached) for the console's client-side
routes, files at the build's root, and the gateway's own prefixes answering 404 instead of the console page;
nothing outside the build is reachable."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from gateway_testkit import Stack

from conftest import gateway_stack  # type: ignore[attr-defined]  # mypy resolves the root conftest.py
from gateway.api.console import IMMUTABLE, RESERVED
from servicekit.testing import Infra

pytestmark = pytest.mark.integration

INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-3f9a1c.js"></script></head></html>'
SCRIPT = "console.log('订单');\n"


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("web")
    (root / "secret.txt").write_text("outside the build", encoding="utf-8")
    build = root / "dist"
    (build / "assets").mkdir(parents=True)
    (build / "index.html").write_text(INDEX, encoding="utf-8")
    (build / "assets" / "index-3f9a1c.js").write_text(SCRIPT, encoding="utf-8")
    (build / "assets" / "index-77b2e0.css").write_text("body{margin:0}", encoding="utf-8")
    (build / "favicon.ico").write_bytes(b"\x00\x00\x01\x00")
    return build


@pytest.fixture(scope="module")
async def console(infra: Infra, dist: Path) -> AsyncIterator[Stack]:
    async with gateway_stack(infra, web_dist=dist) as s:
        yield s


async def test_hashed_assets_are_cached_for_a_year(console: Stack) -> None:
    async with console.client() as c:
        script = await c.get("/assets/index-3f9a1c.js")
        style = await c.get("/assets/index-77b2e0.css")
    assert script.status_code == 200 and script.text == SCRIPT
    assert script.headers["cache-control"] == IMMUTABLE == "public, max-age=31536000, immutable"
    assert "javascript" in script.headers["content-type"]
    assert style.headers["content-type"].startswith("text/css") and style.headers["cache-control"] == IMMUTABLE
    assert script.headers["x-content-type-options"] == "nosniff"


async def test_client_routes_get_the_index_never_cached(console: Stack) -> None:
    async with console.client() as c:
        for path in ("/", "/index.html", "/orders", "/orders/SO-2026-000123", "/purchasing/approvals?status=open"):
            page = await c.get(path)
            assert page.status_code == 200, path
            assert page.text == INDEX, path
            assert page.headers["content-type"].startswith("text/html"), path
            assert page.headers["cache-control"] == "no-cache", path
            csp = dict(d.strip().split(" ", 1) for d in page.headers["content-security-policy"].split(";"))
            assert csp["script-src"] == "'self'", path  # no inline script


async def test_files_at_the_root_of_the_build_are_served(console: Stack) -> None:
    async with console.client() as c:
        icon = await c.get("/favicon.ico")
    assert icon.status_code == 200 and icon.content == b"\x00\x00\x01\x00"
    assert icon.headers["cache-control"] == "public, max-age=3600"


async def test_a_missing_asset_is_404_not_the_index(console: Stack) -> None:
    async with console.client() as c:
        missing = await c.get("/assets/index-000000.js")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert INDEX not in missing.text


@pytest.mark.parametrize(
    "path",
    [
        "/api",
        "/api/no-such-service/orders",
        "/api/v1/orders",
        "/auth/nothing-here",
        "/.well-known/openid-configuration-nope",
        "/health/nothing",
        "/docs/nothing",
        "/metrics/nothing",
    ],
)
async def test_the_gateways_own_prefixes_are_never_the_console(console: Stack, path: str) -> None:
    async with console.client() as c:
        r = await c.get(path)
    assert r.status_code == 404, (path, r.status_code, r.text[:200])
    assert INDEX not in r.text
    assert path.lstrip("/").split("/", 1)[0] in RESERVED


@pytest.mark.parametrize(
    "path", ["/assets/%2e%2e/%2e%2e/secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt"]
)
async def test_nothing_outside_the_build_is_reachable(console: Stack, path: str) -> None:
    async with console.client() as c:
        r = await c.get(path)
    assert "outside the build" not in r.text
    assert r.status_code in (200, 404)  # the index for a path that is not a file of the build, or 404 under assets
    if r.status_code == 200:
        assert r.text == INDEX
