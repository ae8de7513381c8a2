#!/usr/bin/env bash
# `make vagrant-test`, after the box exists: VMs, deploy, tests/infra, one drill, then destroy
# whatever happened. Each step's output goes to the terminal and to reports/vagrant/STEP.log;
# a failed step's end is printed again after the destroy, so the tail of a CI log says why.
set -uo pipefail
cd "$(dirname "$0")/.."
: "${MAKE:=make}" "${BIN:=.venv/bin}" "${DATCHAT_VAGRANT_BOX:?the local box to test on}"
inventory=inventories/vagrant.py
logs=reports/vagrant
rm -rf "$logs" && mkdir -p "$logs"
failed=""

# DATCHAT_DEADLINE (seconds since the epoch; .ci/run sets it below its hard limit): a step still
# running then is stopped, so the VMs are destroyed and the log says which step and why, instead
# of CI killing everything unexplained.
limit=()
step() { # step NAME COMMAND...: run COMMAND, logged as NAME
	local name=$1
	shift
	echo "vagrant-test: $name ($(date +%T))"
	if [ -n "${DATCHAT_DEADLINE:-}" ]; then
		local left=$((DATCHAT_DEADLINE - $(date +%s) - 120))
		[ "$left" -gt 0 ] || left=1
		limit=(timeout --kill-after=30 "$left")
		echo "vagrant-test: $name stops after $left s (DATCHAT_DEADLINE)"
	fi
	"${limit[@]}" "$@" 2>&1 | tee "$logs/$name.log"
	local status=${PIPESTATUS[0]}
	[ "$status" -eq 0 ] || failed=$name
	return "$status"
}

step up "$MAKE" vagrant &&
	step infra env DATCHAT_INVENTORY="$inventory" "$BIN/pytest" tests/infra &&
	step drill "$BIN/datchat-lab" -i "$inventory" drill lb-master-kill \
		--clients 8 --rate 2 --rooms 2 --duration 40 --json "$logs/drill.json"
"$MAKE" vagrant-down

if [ -z "$failed" ]; then
	echo "vagrant-test: passed ($(date +%T)); logs in $logs/"
	exit 0
fi
echo "vagrant-test: FAILED in step $failed ($(date +%T)); the end of $logs/$failed.log:"
tail -n 40 "$logs/$failed.log"
exit 1
