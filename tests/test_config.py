"""A config file changes only the keys it holds; mistakes are named."""

from pathlib import Path

import pytest

from linkage.config import ConfigError, default_toml, load_settings


def test_defaults_hold_every_contract_key() -> None:
    data = default_toml()
    assert set(data["export"]) >= {"encoding", "delimiter", "columns"}
    assert set(data["export"]["columns"]) >= {"record_id", "full_name", "birth_date", "sex",
                                              "case_number", "admission_date", "surgery_date"}
    assert (data["thresholds"]["auto"], data["thresholds"]["review"]) == (0.99, 0.2)
    settings = load_settings()
    assert (settings.auto, settings.review, settings.encoding) == (0.99, 0.2, "auto")


def test_partial_file_overrides_only_its_keys(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('[thresholds]\nauto = 0.995\n[export.columns]\nfull_name = "Пациент"\n',
                    encoding="utf-8")
    settings = load_settings(path)
    assert settings.auto == 0.995
    assert settings.review == 0.2
    assert settings.columns == {"full_name": "Пациент"}     # every other column: detected


@pytest.mark.parametrize(("text", "message"), [
    ("[thresholds]\nautomatic = 0.5\n", "unknown key «automatic»"),
    ("[thresholds]\nauto = 0.1\nreview = 0.5\n", "thresholds.review <= thresholds.auto"),
    ("[thresholds\n", "not valid TOML"),
    ("export = 3\n", "must be a table"),
    ('[review]\nlang = "de"\n', "review.lang must be \"ru\" or \"en\", not 'de'"),
    ('[scan]\nworkers = "two"\n', "scan.workers must be a whole number"),
    ('[thresholds]\nauto = "high"\n', "thresholds.auto must be a number from 0 to 1, not 'high'"),
    ('[export]\nencoding = "cp9999"\n', "unknown encoding 'cp9999'"),
    ('[export]\ndelimiter = ";;"\n', "export.delimiter must be"),
    ('[export.columns]\nsex = 3\n', "export.columns.sex must be a header"),
    ('[scan]\nworkers = -1\n[review]\nlang = "de"\n', "scan.workers .*; review.lang"),
])
def test_bad_config_is_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as error:
        load_settings(path)
    assert "bad.toml" in str(error.value)
