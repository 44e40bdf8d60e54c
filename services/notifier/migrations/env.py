from notifier.config import NotifierSettings
from notifier.db import metadata
from servicekit.migrations import run_env

run_env(metadata, default_url=NotifierSettings().database_url)
