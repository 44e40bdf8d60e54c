#!/usr/bin/env bash
# Validates docker-compose.yml without a Docker engine: `docker compose config` (v2 plugin)
# if present, else Debian's docker-compose, installed on demand (without its Recommends,
# which would pull in a whole container engine).
set -euo pipefail
cd "$(dirname "$0")/.."

if docker compose version >/dev/null 2>&1; then
	compose=(docker compose)
else
	if ! command -v docker-compose >/dev/null; then
		[ "$(id -u)" -eq 0 ] || { echo "ERROR: docker-compose is missing: apt-get install --no-install-recommends docker-compose" >&2; exit 1; }
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose; } >/dev/null ||
			{ echo "ERROR: installing docker-compose with apt-get failed" >&2; exit 1; }
	fi
	compose=(docker-compose)
fi
"${compose[@]}" -f docker-compose.yml config -q || { echo "ERROR: docker-compose.yml is invalid (see above)" >&2; exit 1; }
