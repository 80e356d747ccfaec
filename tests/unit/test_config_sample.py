"""etc/mininova/mininova.conf.sample is generated from the options in code; this fails
when someone changes an option without regenerating it (run ``tox -e genconfig``)."""
import pathlib
import subprocess
import sys

from oslo_config import generator

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_sample_config_is_up_to_date(tmp_path):
    out = tmp_path / "mininova.conf.sample"
    conf = generator.cfg.ConfigOpts()
    generator.register_cli_opts(conf)
    conf(["--config-file", str(ROOT / "etc/mininova/mininova-config-generator.conf"),
          "--output-file", str(out)])
    generator.generate(conf)
    committed = (ROOT / "etc/mininova/mininova.conf.sample").read_text()
    assert out.read_text() == committed, "run 'tox -e genconfig' and commit the sample"


def test_policy_sample_is_up_to_date(tmp_path):
    out = tmp_path / "policy.yaml.sample"
    generator_bin = pathlib.Path(sys.executable).parent / "oslopolicy-sample-generator"
    subprocess.run([str(generator_bin), "--config-file",
                    str(ROOT / "etc/mininova/mininova-policy-generator.conf"),
                    "--output-file", str(out)], check=True, capture_output=True, timeout=60)
    committed = (ROOT / "etc/mininova/policy.yaml.sample").read_text()
    assert out.read_text() == committed, "run 'tox -e genpolicy' and commit the sample"
