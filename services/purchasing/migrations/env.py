from purchasing.config import PurchasingSettings
from purchasing.db import metadata
from servicekit.migrations import run_env

run_env(metadata, default_url=PurchasingSettings().database_url)
