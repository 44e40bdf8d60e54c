from finance.config import FinanceSettings
from finance.db import metadata
from servicekit.migrations import run_env

run_env(metadata, default_url=FinanceSettings().database_url)
