"""The first run on an export nobody has configured: every header style the synth
writes links with no --config, and `linkage init` + `--config` gives the same result."""

from __future__ import annotations

import pytest

from linkage.synth import generate
from tests.conftest import run_cli


@pytest.mark.parametrize("style", ["fio", "split", "registry"])
def test_every_header_style_runs_without_a_config(tmp_path, style) -> None:
    data = generate(tmp_path / "data", persons=40, seed=3, style=style)
    out = tmp_path / "out"
    result = run_cli("run", "--images", str(data.images), "--export", str(data.export),
                     "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "pairs: auto" in result.stdout
    matches = (out / "matches.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(matches) > 20
    if style != "registry":
        return
    check = run_cli("records", "check", str(data.export))
    assert check.returncode == 0, check.stderr
    assert '[export.columns]\nrecord_id = "Рег. № карты СТМЗ"\nfull_name = "ФИО пациента"' \
        in check.stdout

    init = run_cli("init", "--export", str(data.export))
    assert init.returncode == 0, init.stderr
    config = data.export.with_name("linkage.toml")
    assert 'record_id = "Рег. № карты СТМЗ"' in config.read_text(encoding="utf-8")
    refused = run_cli("init", "--export", str(data.export))
    assert refused.returncode == 2 and "exists already" in refused.stderr

    configured = tmp_path / "out_configured"
    again = run_cli("run", "--images", str(data.images), "--export", str(data.export),
                    "--out", str(configured), "--config", str(config))
    assert again.returncode == 0, again.stderr
    assert (configured / "matches.csv").read_bytes() == (out / "matches.csv").read_bytes()
