from sales.config import SalesSettings
from sales.db import metadata
from servicekit.migrations import run_env

run_env(metadata, default_url=SalesSettings().database_url)
