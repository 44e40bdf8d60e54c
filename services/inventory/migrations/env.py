from inventory.config import InventorySettings
from inventory.db import metadata
from servicekit.migrations import run_env

run_env(metadata, default_url=InventorySettings().database_url)
