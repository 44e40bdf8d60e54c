# Shared by the deploy/local scripts (sourced, never run). Sets the repo-wide locations
# and ports, and the small helpers every script uses. Everything is overridable by env.
# shellcheck shell=bash disable=SC2034  # the variables are used by the sourcing scripts

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO_ROOT" || exit 1

LOCAL_DIR="${LOCAL_DIR:-.local}"
mkdir -p "$LOCAL_DIR"
LOCAL_DIR="$(cd "$LOCAL_DIR" && pwd)" # absolute: the JVM and postgres do not run from the repo root

KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
PG_PORT="${PG_PORT:-5433}"
KAFKA_BOOTSTRAP="127.0.0.1:${KAFKA_PORT}"

# The gateway first: `make up` starts it before the others, which verify its tokens through its JWKS.
SERVICES=(gateway purchasing sales inventory finance notifier analytics)
VENV_PY="$REPO_ROOT/.venv/bin/python"

log() { printf '%s\n' "$*" >&2; }
die() {
	local tag=ERROR
	[ -t 2 ] && tag=$'\033[1;31mERROR\033[0m'
	printf '%s [%s] %s\n' "$tag" "$(basename "$0")" "$*" >&2
	exit 1
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Installs Debian packages on demand, so a fresh machine provisions itself.
apt_install() {
	is_root || die "missing $*; install it (apt-get install -y $*) or run as root"
	if [ ! -f "$LOCAL_DIR/.apt-updated" ]; then
		apt-get update -qq >/dev/null || die "apt-get update failed"
		touch "$LOCAL_DIR/.apt-updated"
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || die "apt-get install $* failed"
}

port_open() { # host port
	(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# True when the pid file names a live process whose command line contains $2,
# so a stale pid reused by an unrelated process is never mistaken for ours.
pid_alive() { # pidfile pattern
	local pid
	[ -f "$1" ] || return 1
	pid="$(cat "$1")"
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2"
}

# SIGTERM, wait up to $3 seconds, then SIGKILL.
stop_pid() { # pidfile pattern timeout name
	local pidfile="$1" pattern="$2" timeout="$3" name="$4" pid i
	if ! pid_alive "$pidfile" "$pattern"; then
		rm -f "$pidfile"
		return 0
	fi
	pid="$(cat "$pidfile")"
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < timeout * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "$name did not stop within ${timeout}s; killing pid $pid"
		kill -KILL "$pid" 2>/dev/null || true
		sleep 0.5
	fi
	rm -f "$pidfile"
}

# The venv's interpreter: Debian's python3.11 when the machine has it, else the python3.11 uv finds (PYTHON
# overrides). Debian builds its interpreter as a release is meant to be built (optimized, not a shared library);
# pyenv's default build, the machine's `python3` here, runs pure Python ≈ 25 % slower and the platform ≈ 15 %
# slower per order, measured back to back (README, "Performance").
VENV_INTERPRETER="${PYTHON:-}"
if [ -z "$VENV_INTERPRETER" ] && [ -x /usr/bin/python3.11 ]; then
	VENV_INTERPRETER=/usr/bin/python3.11
fi

# Bootstraps uv and syncs the workspace venv from uv.lock (a venv on another interpreter is made anew).
sync_venv() {
	if [ ! -x .tools/bin/uv ]; then
		python3 -m venv .tools || die "cannot create .tools venv (is python3-venv installed?)"
		.tools/bin/pip install -q uv==0.13.9 || die "cannot install uv into .tools"
	fi
	.tools/bin/uv sync --frozen --quiet ${VENV_INTERPRETER:+--python "$VENV_INTERPRETER"} ||
		die "uv sync --frozen failed"
}

# The infra helpers only need aiokafka from the venv; a full sync is `make install`'s job,
# so a running `up` never rewrites a venv other people are using.
ensure_venv() {
	"$VENV_PY" -c 'import aiokafka' 2>/dev/null || sync_venv
}
