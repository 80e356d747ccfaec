"""The systemd units in etc/systemd/: `systemd-analyze verify` clean, and consistent
with the options they depend on (config path, graceful_shutdown_timeout, restart)."""
import configparser
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mininova.conf import default as default_conf

UNIT_DIR = Path(__file__).resolve().parents[2] / "etc" / "systemd"
SERVICES = ("mininova-api.service", "mininova-compute.service", "mininova-compute@.service",
            "mininova-conductor.service", "mininova-scheduler.service",
            "mininova-metadata.service")
# Services that talk over RabbitMQ (mininova-metadata only reads the database).
RPC_SERVICES = tuple(name for name in SERVICES if name != "mininova-metadata.service")
TARGET = "mininova.target"
VENV_BIN = "/opt/mininova/venv/bin/"
CONFIG = "/etc/mininova/mininova.conf"
EXEC_RE = re.compile(r"^(ExecStart=)" + re.escape(VENV_BIN) + r"(\S+)", re.MULTILINE)


def _parse(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=True, interpolation=None)
    parser.optionxform = str
    parser.read_string((UNIT_DIR / name).read_text())
    return parser


def _graceful_default() -> int:
    opt = next(o for o in default_conf.default_opts if o.name == "graceful_shutdown_timeout")
    return opt.default


def _existing_binary(name: str) -> str:
    """The console script from this venv if installed, else /bin/true: verify checks the
    binary exists, and /opt/mininova/venv only exists on an installed machine."""
    return shutil.which(name, path=os.path.dirname(sys.executable)) or "/bin/true"


def test_every_unit_is_there():
    present = {p.name for p in UNIT_DIR.iterdir()}
    assert set(SERVICES) | {TARGET} <= present


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed (Debian package: systemd)")
def test_systemd_analyze_verify_is_clean(tmp_path):
    for name in (*SERVICES, TARGET):
        text = (UNIT_DIR / name).read_text()
        text = EXEC_RE.sub(lambda m: m.group(1) + _existing_binary(m.group(2)), text)
        (tmp_path / name).write_text(text)
    # NOTE: a template is verified through one of its instances.
    units = [str(tmp_path / n) for n in (*SERVICES, TARGET) if not n.endswith("@.service")]
    units.append(str(tmp_path / "mininova-compute@compute1.service"))
    result = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True,
                            text=True, timeout=120,
                            env=dict(os.environ, SYSTEMD_LOG_LEVEL="notice"))
    output = result.stdout + result.stderr
    # NOTE: warnings about units of the host (not ours) are not this test's business.
    ours = [line for line in output.splitlines()
            if "mininova" in line or str(tmp_path) in line]
    assert result.returncode == 0 and not ours, (
        f"systemd-analyze verify rc={result.returncode}:\n{output}")


@pytest.mark.parametrize("name", SERVICES)
def test_service_contract(name):
    unit = _parse(name)
    service = unit["Service"]
    exec_start = service["ExecStart"]
    assert exec_start.startswith(VENV_BIN + "mininova-"), exec_start
    assert f"--config-file {CONFIG}" in exec_start
    assert service["Restart"] == "on-failure"
    # SIGTERM must reach the main process (it drains in-flight work) ...
    assert service["KillMode"] == "mixed"
    assert service.get("KillSignal", "SIGTERM") == "SIGTERM"
    # ... and systemd must wait longer than the drain before its SIGKILL.
    assert int(service["TimeoutStopSec"]) > _graceful_default()
    after = unit["Unit"]["After"].split()
    wants = unit["Unit"]["Wants"].split()
    if name in RPC_SERVICES:
        assert "rabbitmq-server.service" in after and "rabbitmq-server.service" in wants
    # NOTE: Wants/After only: a machine without the unit (broker elsewhere) still starts.
    assert "Requires" not in unit["Unit"] and "BindsTo" not in unit["Unit"]
    if "compute" in name:
        assert "libvirtd.service" in after and "libvirtd.service" in wants
    assert unit["Unit"]["PartOf"] == TARGET
    assert unit["Install"]["WantedBy"] == TARGET


def test_compute_template_reads_its_host_config():
    unit = _parse("mininova-compute@.service")
    assert unit["Service"]["ExecStart"].endswith("--config-file /etc/mininova/compute-%i.conf")
    # NOTE: a failed Assert/Condition is never retried by Restart=; the missing file must
    # fail the process instead (tests/functional_systemd proves the retry).
    assert not any(k.startswith(("Assert", "Condition")) for k in unit["Unit"])


def test_target_installs_into_multi_user():
    unit = _parse(TARGET)
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_a_missing_config_file_is_one_clear_line_and_a_failure(tmp_path):
    """What the journal shows and what Restart=on-failure acts on: exit status 1 and
    one line naming the file, not a traceback."""
    missing = tmp_path / "compute-nowhere.conf"
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from mininova.cmd import common; "
         "common.prepare_service(sys.argv[1:])", "--config-file", str(missing)],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert str(missing) in result.stderr.strip().splitlines()[-1]
