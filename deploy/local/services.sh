#!/usr/bin/env bash
# Runs the gateway and the five services natively against the local infra (start it first: infra.sh up).
#   services.sh up       start the gateway, wait for it, then each service (uvicorn factory <svc>.main:create_app)
#                        verifying the gateway's RS256 tokens through its JWKS; wait for /health/ready, seed the
#                        demo users and data (tools/seed_demo.py, unless SEED=0)
#   services.sh down     stop them (SIGTERM lets in-flight messages finish; SIGKILL after 30 s)
#   services.sh status   which run, and where
# Logs: $LOCAL_DIR/logs/<svc>.log; pid files: $LOCAL_DIR/run/<svc>.pid
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "$0")/lib.sh"

declare -A PORT=([gateway]=8000 [purchasing]=8001 [sales]=8002 [inventory]=8003 [finance]=8004 [notifier]=8005 [analytics]=8006)
LOG_DIR="$LOCAL_DIR/logs"
RUN_DIR="$LOCAL_DIR/run"
READY_TIMEOUT="${READY_TIMEOUT:-90}"
GATEWAY_URL="http://127.0.0.1:${PORT[gateway]}"
# Development passwords of the demo users (tools/seed_demo.py); the gateway creates `admin` on first start.
export GATEWAY_BOOTSTRAP_ADMIN_PASSWORD="${GATEWAY_BOOTSTRAP_ADMIN_PASSWORD:-admin-pass-2026}"
export GATEWAY_ISSUER="${GATEWAY_ISSUER:-$GATEWAY_URL}"

# The five services verify tokens through the gateway's JWKS (no shared secret).
jwks_env() {
	local svc upper
	for svc in "${SERVICES[@]}"; do
		[ "$svc" = gateway ] && continue
		upper="${svc^^}"
		export "${upper}_JWT_JWKS_URL=$GATEWAY_URL/.well-known/jwks.json"
		export "${upper}_JWT_ISSUER=$GATEWAY_ISSUER"
		export "${upper}_JWT_AUDIENCE=order-tracking"
		unset "${upper}_JWT_SECRET"
	done
}

app_of() { echo "$1.main:create_app"; }
url_of() { echo "http://127.0.0.1:${PORT[$1]}"; }

start_one() {
	local svc="$1" pidfile="$RUN_DIR/$1.pid"
	pid_alive "$pidfile" "$(app_of "$svc")" && return 0
	port_open 127.0.0.1 "${PORT[$svc]}" && die "port ${PORT[$svc]} for $svc is already in use by another process"
	# Own session, so the service outlives an interrupted `make up`; the child writes its pid.
	# shellcheck disable=SC2016  # expanded by the inner bash
	setsid -f bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" \
		"$REPO_ROOT/.venv/bin/uvicorn" --factory "$(app_of "$svc")" \
		--host 127.0.0.1 --port "${PORT[$svc]}" --timeout-graceful-shutdown 20 \
		</dev/null >>"$LOG_DIR/$svc.log" 2>&1
}

wait_pidfiles() { # the pid files are written by the detached children, a moment later
	local svc i
	for svc in "$@"; do
		for ((i = 0; i < 50; i++)); do
			[ -s "$RUN_DIR/$svc.pid" ] && break
			sleep 0.1
		done
	done
}

up() {
	[ -x .venv/bin/uvicorn ] || die "no .venv/bin/uvicorn: run 'make install' first"
	"$REPO_ROOT/deploy/local/infra.sh" status >/dev/null ||
		die "the infrastructure is not running: run 'deploy/local/infra.sh up' (or 'make up')"
	mkdir -p "$LOG_DIR" "$RUN_DIR"
	eval "$("$REPO_ROOT/deploy/local/infra.sh" env)"
	# The company's main warehouse, where requisitions deliver unless they name one (tools/seed_demo.py makes it).
	export PURCHASING_DEFAULT_WAREHOUSE="${PURCHASING_DEFAULT_WAREHOUSE:-WH-SH}"
	jwks_env
	local others=("${SERVICES[@]:1}")
	# The gateway first: the others fetch its keys.
	start_one gateway
	wait_pidfiles gateway
	wait_ready gateway
	for svc in "${others[@]}"; do start_one "$svc"; done
	wait_pidfiles "${others[@]}"
	wait_ready "${others[@]}"
	if [ "${SEED:-1}" != 0 ] && [ -f tools/seed_demo.py ]; then
		"$VENV_PY" -m tools.seed_demo || die "seeding demo data (python -m tools.seed_demo) failed"
	fi
	for svc in "${SERVICES[@]}"; do
		printf '%-11s %s  (API docs: %s/docs)\n' "$svc" "$(url_of "$svc")" "$(url_of "$svc")"
	done
	echo
	echo "console: $GATEWAY_URL  (sign in with a demo user below)"
}

wait_ready() {
	local svc specs=() failed
	for svc in "$@"; do
		specs+=("$svc=$(url_of "$svc")/health/ready=$(cat "$RUN_DIR/$svc.pid")")
	done
	if ! failed="$("$VENV_PY" "$REPO_ROOT/deploy/local/wait_http.py" "$READY_TIMEOUT" "${specs[@]}")"; then
		for svc in $failed; do
			log "--- $svc: not ready on $(url_of "$svc")/health/ready; tail of $LOG_DIR/$svc.log ---"
			tail -n 40 "$LOG_DIR/$svc.log" >&2 || true
		done
		die "not ready (process exited, or no 200 within ${READY_TIMEOUT}s): ${failed//$'\n'/ }"
	fi
}

down() {
	local svc
	# In parallel: each one may take a while to drain its in-flight messages.
	for svc in "${SERVICES[@]}"; do
		stop_pid "$RUN_DIR/$svc.pid" "$(app_of "$svc")" "${SERVICE_STOP_TIMEOUT:-30}" "$svc" &
	done
	wait
}

status() {
	local svc rc=0
	for svc in "${SERVICES[@]}"; do
		if pid_alive "$RUN_DIR/$svc.pid" "$(app_of "$svc")"; then
			echo "$svc: running (pid $(cat "$RUN_DIR/$svc.pid")) on $(url_of "$svc")"
		else
			echo "$svc: stopped"
			rc=1
		fi
	done
	return "$rc"
}

case "${1:-}" in
up) up ;;
down) down ;;
status) status ;;
*) die "usage: $0 up|down|status" ;;
esac
