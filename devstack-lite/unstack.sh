#!/usr/bin/env bash
# devstack-lite/unstack.sh: stop the mininova services that stack.sh started.
#
#   sudo devstack-lite/unstack.sh [--purge]
#
# Under systemd: systemctl disable and stop mininova.target and its units (a reboot does
# not start them again; stack.sh enables them). Otherwise every
# service with a pid file in $MININOVA_RUN_DIR gets SIGTERM; whatever still runs
# after $MININOVA_STOP_TIMEOUT seconds gets SIGKILL (its whole process group). Keystone
# (MININOVA_AUTH_STRATEGY=keystone, lib/keystone) stops with them, and --purge removes
# its state and configuration too.
# --purge also removes the state ($MININOVA_STATE_PATH: database, images), the
# configuration ($MININOVA_CONF_DIR) and the installed systemd units. A PostgreSQL or
# MariaDB database is left in place. RabbitMQ, the Debian packages, the venv and the
# logs are left in place.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

TOP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/functions
source "$TOP_DIR/lib/functions"
# shellcheck source=lib/database
source "$TOP_DIR/lib/database"
# shellcheck source=lib/systemd
source "$TOP_DIR/lib/systemd"
# shellcheck source=lib/mininova
source "$TOP_DIR/lib/mininova"
# shellcheck source=lib/keystone
source "$TOP_DIR/lib/keystone"

usage() {
    # The opening comment block, without its shellcheck directives.
    awk 'NR > 1 && !/^#/ { exit } NR > 1 && !/shellcheck/ { sub(/^# ?/, ""); print }' \
        "${BASH_SOURCE[0]}"
}

PURGE=0
for arg in "$@"; do
    case $arg in
        --purge) PURGE=1 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "unstack.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
    esac
done

check_root unstack.sh
load_settings
keystone_settings
setup_logging "$MININOVA_LOG_DIR/unstack.log"

# _purge_dir DIR: rm -rf DIR, refusing anything that is not a plain absolute path.
_purge_dir() {
    local dir=$1
    if [[ $dir != /?* || $dir == *..* || $dir =~ ^/(bin|boot|dev|etc|home|lib|opt|proc|root|run|sbin|sys|tmp|usr|var)?/*$ ]]; then
        die "refusing to remove '$dir'"
    fi
    if [[ -e $dir ]]; then
        rm -rf -- "$dir"
        say "        removed $dir"
    fi
}

purge() {
    if use_systemd; then
        remove_units
        rm -f "$SYSTEMD_UNIT_DIR/mininova-keystone.service"
    fi
    _purge_dir "$MININOVA_STATE_PATH"
    _purge_dir "$MININOVA_CONF_DIR"
    # NOTE: Keystone's state and configuration live under the two above unless moved.
    _purge_dir "$KEYSTONE_STATE_PATH"
    _purge_dir "$KEYSTONE_CONF_DIR"
    _purge_dir "$MININOVA_RUN_DIR"
}

STEP_TOTAL=$((1 + PURGE))
run_step "Stop the mininova services" stop_mininova
if ((PURGE)); then
    run_step "Remove state and configuration" purge
fi
say "done in ${SECONDS}s (log: $LOG_FILE)"
