#!/usr/bin/env bash
# The native local stack: PostgreSQL + single-node Kafka under $LOCAL_DIR (default .local).
#   infra.sh up       bootstrap the venv if needed, start both, ensure logins/databases/topics
#   infra.sh down     stop both (graceful, then hard after a timeout); data is kept
#   infra.sh status   say what runs where (exit 1 if anything is down)
#   infra.sh check    smoke test: each service login reaches its database, Kafka round-trips
#   infra.sh env      print the variables services and tests read: eval "$(infra.sh env)"
# Overrides: KAFKA_PORT (9092) KAFKA_CONTROLLER_PORT (9093) PG_PORT (5433) LOCAL_DIR (.local)
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "$0")/lib.sh"
HERE="$REPO_ROOT/deploy/local"

print_env() {
	local svc upper
	echo "export KAFKA_BOOTSTRAP=$KAFKA_BOOTSTRAP"
	echo "export PG_ADMIN_URL=postgresql://platform:platform@127.0.0.1:$PG_PORT/postgres"
	for svc in "${SERVICES[@]}"; do
		upper="${svc^^}"
		echo "export ${upper}_DATABASE_URL=postgresql+asyncpg://$svc:$svc@127.0.0.1:$PG_PORT/$svc"
		echo "export ${upper}_KAFKA_BOOTSTRAP=$KAFKA_BOOTSTRAP"
	done
}

case "${1:-}" in
up)
	ensure_venv
	"$HERE/postgres.sh" start
	"$HERE/kafka.sh" start
	"$HERE/topics.sh"
	;;
down)
	rc=0
	"$HERE/kafka.sh" stop || rc=1
	"$HERE/postgres.sh" stop || rc=1
	exit "$rc"
	;;
status)
	rc=0
	"$HERE/postgres.sh" status || rc=1
	"$HERE/kafka.sh" status || rc=1
	exit "$rc"
	;;
env) print_env ;;
check)
	eval "$(print_env)"
	"$VENV_PY" "$HERE/smoke.py"
	;;
*) die "usage: $0 up|down|status|env|check" ;;
esac
