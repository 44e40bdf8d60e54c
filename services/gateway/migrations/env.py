from gateway.config import GatewaySettings
from gateway.db import metadata
from servicekit.migrations import run_env

run_env(metadata, default_url=GatewaySettings().database_url)
