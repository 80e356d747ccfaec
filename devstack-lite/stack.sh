#!/usr/bin/env bash
# devstack-lite/stack.sh: bring up a whole mininova cloud on one Debian machine.
#
#   sudo devstack-lite/stack.sh
#
# Installs the missing Debian packages, makes sure RabbitMQ runs, installs the
# repository into a venv (/opt/mininova/venv), writes /etc/mininova/mininova.conf,
# sets up the database (SQLite, PostgreSQL or MariaDB), syncs it, builds and registers
# the tiny guest image, starts mininova-api, -conductor, -scheduler and one
# mininova-compute per host (systemd units when PID 1 is systemd, else background
# processes), waits until every service reports "up", creates the m1.* flavors through
# the API and prints what to try next with the total time. Running it again is safe: what exists is kept and
# only services that do not run are started. With MININOVA_AUTH_STRATEGY=keystone it
# also installs, bootstraps and starts Keystone (lib/keystone), registers mininova in
# its catalog and prints a clouds.yaml.
#
# Settings come from the environment and from devstack-lite/local.conf (shell variable
# assignments, see local.conf.sample); the full log is $MININOVA_LOG_DIR/stack.log.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

TOP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/functions
source "$TOP_DIR/lib/functions"
# shellcheck source=lib/apt
source "$TOP_DIR/lib/apt"
# shellcheck source=lib/rabbitmq
source "$TOP_DIR/lib/rabbitmq"
# shellcheck source=lib/libvirt
source "$TOP_DIR/lib/libvirt"
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

case ${1:-} in
    "") ;;
    -h | --help) usage; exit 0 ;;
    *) echo "stack.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
esac

STACK_START=$SECONDS
check_root stack.sh
check_debian stack.sh
umask 022
load_settings
keystone_settings
setup_logging "$MININOVA_LOG_DIR/stack.log"

say "devstack-lite: mininova from $MININOVA_DIR"
say "  venv $MININOVA_VENV, config $MININOVA_CONF, libvirt $MININOVA_CONNECTION_URI," \
    "computes: $MININOVA_COMPUTE_HOSTS, database: $MININOVA_DATABASE, auth:" \
    "$MININOVA_AUTH_STRATEGY"
if use_systemd; then
    say "  services: systemd units (mininova.target)"
else
    say "  services: background processes with pid files in $MININOVA_RUN_DIR (PID 1 is" \
        "not systemd)"
fi
say "  full log: $LOG_FILE"

STEP_TOTAL=11
if keystone_enabled; then STEP_TOTAL=13; fi
run_step "Install missing Debian packages" install_packages
run_step "Start RabbitMQ" start_rabbitmq
run_step "Check libvirt" start_libvirt
run_step "Install mininova into $MININOVA_VENV" install_mininova
if keystone_enabled; then
    run_step "Install Keystone $KEYSTONE_VERSION into $KEYSTONE_VENV" install_keystone
    run_step "Set up Keystone on $KEYSTONE_URL and register mininova" setup_keystone
fi
run_step "Set up the $MININOVA_DATABASE database" setup_database
run_step "Write $MININOVA_CONF" configure_mininova
run_step "Sync the database" sync_database
run_step "Build and register the tiny guest image" register_guest_image
run_step "Start the services" start_mininova
# NOTE: with Keystone, the health checks and the summary need a real token.
if keystone_enabled; then use_keystone_admin_token; fi
run_step "Wait until every service is up" wait_for_mininova
run_step "Create the m1.* flavors" create_flavors
print_summary
if keystone_enabled; then print_keystone_summary; fi
