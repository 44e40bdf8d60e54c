#!/usr/bin/env bash
# Creates the topics the contracts package declares (`python -m contracts topics`) on the
# local broker. Missing topics only; existing ones are never altered.
#   topics.sh            topics from the contracts package
#   topics.sh FILE|-     topics from a file / stdin (same `<name> <partitions>` lines)
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "$0")/lib.sh"

ensure_venv
ENSURE=("$VENV_PY" "$REPO_ROOT/deploy/local/ensure_topics.py" "$KAFKA_BOOTSTRAP")

if [ $# -gt 0 ]; then
	if [ "$1" = - ]; then "${ENSURE[@]}"; else "${ENSURE[@]}" <"$1"; fi ||
		die "creating topics on $KAFKA_BOOTSTRAP failed"
	exit 0
fi

# Until the contracts package has its CLI there is nothing to create; say so, don't fail.
if ! "$VENV_PY" -c 'import importlib.util as u, sys; sys.exit(u.find_spec("contracts.__main__") is None)' 2>/dev/null; then
	log "note: contracts has no 'python -m contracts topics' yet; no topics created"
	exit 0
fi

topics="$("$VENV_PY" -m contracts topics)" || die "'python -m contracts topics' failed"
printf '%s\n' "$topics" | "${ENSURE[@]}" || die "creating topics on $KAFKA_BOOTSTRAP failed"
