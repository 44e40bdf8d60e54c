#!/usr/bin/env bash
# usage: tools_autogen.sh <service> "<message>"  — autogenerate a migration against a throwaway database
set -euo pipefail
svc=$1; msg=$2
db="autogen_${svc}_$$"
psql "postgresql://platform:platform@127.0.0.1:5433/postgres" -qc "CREATE DATABASE $db"
trap 'psql "postgresql://platform:platform@127.0.0.1:5433/postgres" -qc "DROP DATABASE $db WITH (FORCE)"' EXIT
upper=$(echo "$svc" | tr a-z A-Z)
export ${upper}_DATABASE_URL="postgresql+asyncpg://platform:platform@127.0.0.1:5433/$db"
cd "$(dirname "$0")/../services/$svc"
../../.venv/bin/alembic upgrade head >/dev/null
../../.venv/bin/alembic revision --autogenerate -m "$msg"
