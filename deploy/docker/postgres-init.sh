#!/usr/bin/env bash
# Runs once, when the postgres container initialises an empty data volume: one login and
# one database per service, each database reachable only by its own service (and admins).
# Passwords come from <SVC>_DB_PASSWORD, defaulting to the service name (development only).
set -euo pipefail

for svc in purchasing sales inventory finance notifier analytics gateway; do
	var="${svc^^}_DB_PASSWORD"
	password="${!var:-$svc}"
	psql -v ON_ERROR_STOP=1 -q --username "$POSTGRES_USER" --dbname postgres \
		-v svc="$svc" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'svc', :'password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'svc') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'svc', :'svc')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'svc') \gexec
SELECT format('REVOKE CONNECT ON DATABASE %I FROM PUBLIC', :'svc') \gexec
SQL
done
