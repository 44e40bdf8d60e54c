"""Benchmark of bulk import and export (servicekit.tabular); see `python -m tools.bench_import --help`."""
