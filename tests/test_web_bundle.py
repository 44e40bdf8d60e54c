"""The console's first load stays small: the JavaScript and CSS index.html loads before any area's page
(code split per area) is at most 500 KB gzipped. Needs web/dist (`make web`; make test builds it)."""

from __future__ import annotations

import gzip
import re

from tools.stack import REPO

DIST = REPO / "web" / "dist"
BUDGET = 500 * 1024


def first_load() -> dict[str, int]:
    index = (DIST / "index.html").read_text()
    assets = re.findall(r'(?:src|href)="/(assets/[^"]+\.(?:js|css))"', index)
    return {a: len(gzip.compress((DIST / a).read_bytes(), 9)) for a in assets}


def test_the_first_load_is_at_most_500_kb_gzipped() -> None:
    assert (DIST / "index.html").is_file(), "web/dist is missing: run `make web`"
    sizes = first_load()
    assert any(a.endswith(".js") for a in sizes), sizes
    total = sum(sizes.values())
    assert total <= BUDGET, f"first load {total / 1024:.0f} KB gzipped > 500 KB: {sizes}"
    pages = [
        p.name for p in (DIST / "assets").glob("*.js") if p.name.split("-")[0] in {"Board", "OrderPage", "Dashboard"}
    ]
    assert pages, "the areas' pages are not split into their own chunks"
