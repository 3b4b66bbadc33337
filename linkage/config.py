"""configs/*.toml -> typed settings. A user's file overrides only the keys it holds."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from linkage.errors import ConfigError


@dataclass(frozen=True)
class Thresholds:
    """Match probability at or above `auto`: accepted; at or above `review`: asked."""

    auto: float
    review: float


@dataclass(frozen=True)
class Windows:
    """Phase windows of a study around a record's stay, in days ([outcomes])."""

    pre_operative_days: int = 180
    stay_days: int = 21
    early_post_operative_days: int = 30


@dataclass(frozen=True)
class Settings:
    """Every value comes from configs/default.toml (and a user's file): no defaults here."""

    encoding: str
    delimiter: str
    columns: dict[str, str]
    auto: float
    review: float
    workers: int
    lang: str
    control_sample: int
    windows: Windows
    date_shift_days: int            # [release]: how far a release shifts a record's dates
    keep_columns: tuple[str, ...]   # [release]: export columns a release passes as they are

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(self.auto, self.review)


def default_toml() -> dict[str, Any]:
    text = resources.files("linkage.configs").joinpath("default.toml").read_text("utf-8")
    return tomllib.loads(text)


def _merge(base: dict[str, Any], override: dict[str, Any], where: str) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if key not in base:
            raise ConfigError(f"{where}: unknown key «{key}»; known keys: {', '.join(base)}")
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: «{key}» must be a table")
            merged[key] = _merge(base[key], value, f"{where} [{key}]")
        else:
            merged[key] = value
    return merged


def load_settings(path: str | Path | None = None) -> Settings:
    """Defaults from configs/default.toml, overridden by the keys of `path`."""
    data = default_toml()
    if path is not None:
        path = Path(path)
        try:
            user = tomllib.loads(path.read_text("utf-8"))
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the config ({exc.strerror or exc})") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        data = _merge(data, user, str(path))
    where = str(path) if path is not None else "configs/default.toml"
    problems = _check(data)
    if problems:
        raise ConfigError(f"{where}: " + "; ".join(problems))
    export, thresholds = data["export"], data["thresholds"]
    auto, review = float(thresholds["auto"]), float(thresholds["review"])
    if not 0.0 <= review <= auto <= 1.0:
        raise ConfigError(f"{where}: need 0 <= thresholds.review <= thresholds.auto"
                          f" <= 1, got review={review}, auto={auto}")
    columns = {k: str(v) for k, v in export["columns"].items() if v}
    return Settings(encoding=export["encoding"], delimiter=export["delimiter"], columns=columns,
                    auto=auto, review=review, workers=int(data["scan"]["workers"]),
                    lang=str(data["review"]["lang"]),
                    control_sample=int(data["review"]["control_sample"]),
                    windows=Windows(**data["outcomes"]),
                    date_shift_days=int(data["release"]["date_shift_days"]),
                    keep_columns=tuple(str(c) for c in data["release"]["keep_columns"]))


def _check(data: dict[str, Any]) -> list[str]:
    """Every bad value, named with its key, before any work starts (a wrong language
    used to fail after the whole scan and link)."""
    problems = []

    def need(ok: bool, key: str, what: str, value) -> None:
        if not ok:
            problems.append(f"{key} must be {what}, not {value!r}")

    export = data["export"]
    for key in ("encoding", "delimiter"):
        need(isinstance(export[key], str), f"export.{key}", "text", export[key])
    if isinstance(export["encoding"], str) and export["encoding"] not in ("", "auto"):
        import codecs

        try:
            codecs.lookup(export["encoding"])
        except LookupError:
            problems.append(f"export.encoding: unknown encoding {export['encoding']!r}")
    delimiter = export["delimiter"]
    need(not isinstance(delimiter, str) or delimiter in ("", "auto") or len(delimiter) == 1,
         "export.delimiter", "\"auto\" or one character", delimiter)
    for key, value in export["columns"].items():
        need(isinstance(value, str), f"export.columns.{key}", "a header (text)", value)
    for key, value in data["thresholds"].items():
        number = isinstance(value, int | float) and not isinstance(value, bool)
        need(number and 0.0 <= value <= 1.0, f"thresholds.{key}", "a number from 0 to 1", value)
    workers = data["scan"]["workers"]
    need(isinstance(workers, int) and not isinstance(workers, bool) and 0 <= workers <= 256,
         "scan.workers", "a whole number from 0 (one per core) to 256", workers)
    need(data["review"]["lang"] in ("ru", "en"), "review.lang", "\"ru\" or \"en\"",
         data["review"]["lang"])
    sample = data["review"]["control_sample"]
    need(isinstance(sample, int) and not isinstance(sample, bool) and 0 <= sample <= 1000,
         "review.control_sample", "a whole number of links from 0 to 1000", sample)
    shift = data["release"]["date_shift_days"]
    need(isinstance(shift, int) and not isinstance(shift, bool) and 1 <= shift <= 3650,
         "release.date_shift_days", "a whole number of days from 1 to 3650", shift)
    keep = data["release"]["keep_columns"]
    need(isinstance(keep, list) and all(isinstance(c, str) for c in keep),
         "release.keep_columns", "a list of column headers", keep)
    for key, value in data["outcomes"].items():
        need(isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 3650,
             f"outcomes.{key}", "a whole number of days from 0 to 3650", value)
    return problems


def toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def columns_block(columns: dict[str, str]) -> str:
    """The `[export.columns]` table for what an export was found to hold, ready to paste
    into a config file (fields not found are left to detection)."""
    lines = ["[export.columns]"]
    lines += [f"{name} = {toml_string(header)}" for name, header in columns.items()]
    return "\n".join(lines) + "\n"


def starter_config(export_name: str, encoding: str, delimiter: str,
                   columns: dict[str, str]) -> str:
    """A commented config file for one export: what `linkage init` writes."""
    return (f"# linkage settings for {export_name}, written by `linkage init`.\n"
            "# Use it with: linkage run --config THIS_FILE ... Every key left out keeps its\n"
            "# default (see configs/default.toml in the linkage folder).\n\n"
            "[export]\n"
            f"encoding = {toml_string(encoding)}   # as detected; \"auto\" detects each time\n"
            f"delimiter = {toml_string(delimiter)}\n\n"
            "# The column of each field, as found in the export. Change a header here if the\n"
            "# guess is wrong; remove a line to let linkage find that column itself.\n"
            + columns_block(columns))
