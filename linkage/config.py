"""configs/*.toml -> typed settings. A user's file overrides only the keys it holds."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from linkage.errors import ConfigError


@dataclass(frozen=True)
class Settings:
    encoding: str = "auto"
    delimiter: str = "auto"
    columns: dict[str, str] = field(default_factory=dict)
    auto: float = 0.99
    review: float = 0.2
    workers: int = 0
    lang: str = "ru"


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
    export, thresholds = data["export"], data["thresholds"]
    auto, review = float(thresholds["auto"]), float(thresholds["review"])
    if not 0.0 <= review <= auto <= 1.0:
        raise ConfigError(f"{path or 'config'}: need 0 <= thresholds.review <= thresholds.auto"
                          f" <= 1, got review={review}, auto={auto}")
    columns = {k: str(v) for k, v in export["columns"].items() if v}
    return Settings(encoding=export["encoding"], delimiter=export["delimiter"], columns=columns,
                    auto=auto, review=review, workers=int(data["scan"]["workers"]),
                    lang=str(data["review"]["lang"]))
