"""Progress bars a person can plan by: how far, out of what total, and the time left
(tqdm). Shown on a terminal only, so that logs, pipes and CI stay clean."""

from __future__ import annotations

import sys


class Bar:
    """One bar; `total` may come later (`set_total`), when the walk of the folder ends."""

    def __init__(self, show: bool, description: str, total: float | None = None,
                 unit: str = "", percent: bool = False) -> None:
        self.bar = None
        if show:
            from tqdm import tqdm

            style = "{desc}: {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}]{postfix}" \
                if percent else None
            self.bar = tqdm(total=total, unit=unit, desc=description, file=sys.stderr,
                            mininterval=0.2, leave=True, bar_format=style)

    def advance(self, n: float = 1, doing: str = "") -> None:
        if self.bar is not None:
            if doing:
                self.bar.set_postfix_str(doing, refresh=False)
            self.bar.update(n)

    def set_total(self, total: float) -> None:
        if self.bar is not None and self.bar.total != total:
            self.bar.total = total
            self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
