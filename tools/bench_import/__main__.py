"""Bulk import and export, measured: 100,000 products (validate and commit), 100,000 opening-stock rows, and an
export of 1,000,000 stock-ledger rows as CSV and as .xlsx.

Each scenario runs in a fresh process (its peak RSS is then the scenario's own) with the inventory service under
uvicorn on a free port and its own fresh database, on the tests' Kafka and PostgreSQL (KAFKA_BOOTSTRAP,
PG_ADMIN_URL; `deploy/local/infra.sh env` prints them). Files go over real HTTP: a multipart upload, a streamed
download read and discarded by the client. Prints one line of figures per scenario.

    python -m tools.bench_import [--rows 100000] [--ledger-rows 1000000] [scenario ...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SCENARIOS = ("products", "opening-stock", "export-csv", "export-xlsx")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_products_xlsx(path: Path, rows: int) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("data")
    sheet.write_row(0, 0, ["产品编码", "产品名称", "单位", "类别", "条码", "补货点", "补货数量"])
    for i in range(rows):
        sheet.write_row(
            i + 1, 0, [f"B-{i:07d}", f"产品 {i} 不锈钢保温杯", "pcs", f"cat-{i % 40}", f"69{i:011d}", "10", "50"]
        )
    book.close()


def make_opening_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8-sig") as out:
        out.write("仓库编码,产品编码,数量,单位成本\n")
        for i in range(rows):
            out.write(f"WH-{i % 4},B-{i // 4:07d},{10 + i % 90},{12 + (i % 700) / 100:.2f}\n")


async def _serve(settings: Any) -> tuple[Any, Any, str, Any]:
    import uvicorn

    from inventory.main import create_app

    port = _free_port()
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event for it
        await asyncio.sleep(0.05)
    return server, task, f"http://127.0.0.1:{port}", app


async def _scenario(name: str, rows: int, file: Path | None) -> dict[str, Any]:
    import httpx
    from sqlalchemy import text

    from inventory.config import InventorySettings
    from servicekit.testing import auth, create_database, discover_infra, drop_database, service_settings

    infra = discover_infra()
    url = await create_database(infra, prefix="benchimp")
    settings = await service_settings(InventorySettings, infra, url, start_consumers=False, import_max_rows=1_100_000,
                                      import_max_bytes=256 * 1024 * 1024)  # fmt: skip
    server, task, base, app = await _serve(settings)
    headers = auth("warehouse", sub="bench")
    figures: dict[str, Any] = {"scenario": name, "rows": rows}
    try:
        db = app.state.runtime.db
        async with httpx.AsyncClient(base_url=base, timeout=600) as client:
            if name == "opening-stock":
                await _seed(db, text, products=rows // 4)
            if name.startswith("export"):
                await _seed_ledger(db, text, rows)
            figures["rss_before_mb"] = round(_rss_mb(), 1)
            started, cpu = time.perf_counter(), _cpu_seconds()
            if name in ("products", "opening-stock"):
                assert file is not None
                kind, mode = ("products", "upsert") if name == "products" else ("opening-stock", "insert")
                with file.open("rb") as handle:
                    r = await client.post(
                        f"/api/v1/imports/{kind}",
                        params={"dry_run": "false", "mode": mode, "wait": 0},
                        files={"file": (file.name, handle)},
                        headers=headers,
                    )
                job = r.json()
                while job["status"] in ("validating", "committing"):
                    await asyncio.sleep(0.5)
                    job = (await client.get(f"/api/v1/import-jobs/{job['id']}", headers=headers)).json()
                figures |= {"status": job["status"], "stored_rows": job["stored_rows"], "errors": job["error_count"]}
            else:
                fmt = name.removeprefix("export-")
                size = 0
                async with client.stream(
                    "GET", "/api/v1/stock-ledger", params={"format": fmt}, headers=headers
                ) as response:
                    assert response.status_code == 200, response.status_code
                    async for piece in response.aiter_raw():
                        size += len(piece)
                figures["bytes"] = size
            figures["seconds"] = round(time.perf_counter() - started, 1)
            figures["cpu_seconds"] = round(_cpu_seconds() - cpu, 1)  # this process's: less noisy than the time
            figures["peak_rss_mb"] = round(_rss_mb(), 1)
    finally:
        server.should_exit = True
        await task
        await drop_database(infra, url)
    return figures


async def _seed(db: Any, text: Any, products: int) -> None:
    async with db.transaction() as s:
        await s.execute(
            text("INSERT INTO warehouses (code, name) SELECT 'WH-' || g, 'WH ' || g FROM generate_series(0, 3) g")
        )
        await s.execute(
            text(
                "INSERT INTO products (sku, name, unit) SELECT 'B-' || lpad(g::text, 7, '0'), 'P ' || g, 'pcs'"
                " FROM generate_series(0, :n - 1) g"
            ),
            {"n": products},
        )


async def _seed_ledger(db: Any, text: Any, rows: int) -> None:
    async with db.transaction() as s:
        await s.execute(
            text(
                "INSERT INTO stock_movements (sku, warehouse_code, qty_delta, movement_type, reason_code, reason,"
                " reference, unit_cost, actor, at)"
                " SELECT 'B-' || lpad((g % 25000)::text, 7, '0'), 'WH-' || (g % 4), (g % 17) + 1,"
                " CASE WHEN g % 3 = 0 THEN 'receipt' ELSE 'shipment' END, NULL, NULL, 'GRN-2026-' || g, 12.5,"
                " 'bench', now() - (g || ' seconds')::interval FROM generate_series(1, :n) g"
            ),
            {"n": rows},
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="*", help=f"of {', '.join(SCENARIOS)} (default: all)")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--ledger-rows", type=int, default=1_000_000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.scenarios = args.scenarios or list(SCENARIOS)
    if unknown := set(args.scenarios) - set(SCENARIOS):
        parser.error(f"unknown scenarios {sorted(unknown)}")
    if args.child:
        rows = args.ledger_rows if args.child.startswith("export") else args.rows
        figures = asyncio.run(_scenario(args.child, rows, Path(args.file) if args.file else None))
        print(json.dumps(figures, ensure_ascii=False))
        return
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        files: dict[str, Path] = {}
        if "products" in args.scenarios:
            files["products"] = Path(tmp) / "products.xlsx"
            make_products_xlsx(files["products"], args.rows)
        if "opening-stock" in args.scenarios:
            files["opening-stock"] = Path(tmp) / "opening-stock.csv"
            make_opening_csv(files["opening-stock"], args.rows)
        for name in args.scenarios:
            command = [sys.executable, "-m", "tools.bench_import", "--child", name, "--rows", str(args.rows),
                       "--ledger-rows", str(args.ledger_rows)]  # fmt: skip
            if name in files:
                command += [
                    "--file",
                    str(files[name]),
                ]
                print(f"# {name}: file {files[name].stat().st_size / 1e6:.1f} MB", flush=True)
            out = subprocess.run(command, check=True, capture_output=True, text=True)
            print(out.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
