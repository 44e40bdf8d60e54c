from analytics.config import AnalyticsSettings
from analytics.db import metadata
from servicekit.migrations import run_env

run_env(metadata, default_url=AnalyticsSettings().database_url)
