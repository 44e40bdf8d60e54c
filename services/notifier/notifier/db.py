"""The notifier database."""

from __future__ import annotations

from servicekit.db import kit_tables, new_metadata

metadata = new_metadata()
kit = kit_tables(metadata)
