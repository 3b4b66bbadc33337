"""report.html: the cohort at a glance, beside the research files (docs/architecture.md,
"A research release"). One self-contained page (charts as inline SVG drawn by
matplotlib, no script, no network: it opens from a USB stick), in Russian, readable in
grey print (hatching and marker shapes, not colour alone). It is drawn from the research
files just written, so a release's report shows the release's (shifted) dates.

- imaging coverage: operated patients with imaging in each phase (before surgery, the
  stay, early after it, 3/6/12 months) by year of surgery, and by modality;
- a swimmer plot: each patient's studies in days around the surgery (a sample when large);
- the folder: studies per year and modality;
- linkage quality: the scores of the pairs shown with both thresholds, the counts by
  status and the control sample's estimate when there is one.
"""

from __future__ import annotations

import csv
import html
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from linkage.files import atomic_path
from linkage.reports.cohort import FOLLOW_UP_MONTHS, MODALITIES
from linkage.reports.timeline import modality_group

SWIMMERS = 40                 # patients in the swimmer plot at most
GREYS = ["#222222", "#777777", "#bbbbbb", "#ffffff"]
HATCHES = ["", "//", "..", "xx", "\\\\", "--"]
MARKERS = {"MR": "o", "CT": "s", "XR": "^"}
PHASE_COLUMNS = [("preop", "до операции"), ("stay", "госпитализация"),
                 ("early_postop", "ранний период")]


@dataclass(frozen=True)
class LinkQuality:
    """What the report shows of the linkage (small: it travels to the second process)."""

    scores: tuple[float, ...] = ()
    counts: dict = field(default_factory=dict)      # status -> pairs
    thresholds: tuple[float, float] = (0.99, 0.2)   # auto, review
    precision: str = ""                              # the control sample's estimate


def link_quality(pairs, thresholds, precision: str = "") -> LinkQuality:
    """From the pairs with a status (a LinkResult's or matches.csv's)."""
    shown = pairs[pairs["status"] != ""]
    return LinkQuality(tuple(float(s) for s in shown["score"]),
                       {str(k): int(v) for k, v in shown["status"].value_counts().items()},
                       (float(thresholds.auto), float(thresholds.review)), precision)


def warm_up():
    """matplotlib imported, set up and its fonts loaded (a figure drawn): what a process
    preparing the research tables does while the job links."""
    import matplotlib

    matplotlib.use("svg")
    from matplotlib import pyplot as plt

    # a fixed salt for the drawing's ids: the same tables give the same file
    plt.rcParams.update({"font.size": 9, "svg.fonttype": "none", "svg.hashsalt": "linkage",
                         "font.family": "DejaVu Sans", "hatch.linewidth": 0.6})
    figure, axes = plt.subplots(figsize=(1, 1), layout="constrained")
    axes.set_title("ё")
    _svg(plt, figure)
    return plt


def write_report(path: Path, folder: Path, studies: dict, quality: LinkQuality | None,
                 release: bool = False) -> None:
    """report.html from links.csv and cohort.csv in `folder`, and the folder's studies."""
    plt = warm_up()
    links, cohort = _read(folder / "links.csv"), _read(folder / "cohort.csv")
    sections = [
        ("Снимки по периодам лечения", "Оперированные пациенты, у которых есть хотя бы "
         "одно исследование в каждом периоде, по году операции.", _coverage(plt, cohort)),
        ("По модальностям", "Оперированные пациенты с исследованием данной модальности в "
         "каждом периоде.", _by_modality(plt, cohort)),
        ("Снимки вокруг дня операции", f"Каждая строка — пациент (не более {SWIMMERS}), "
         "каждая отметка — исследование; 0 — день операции.", _swimmers(plt, links)),
        ("Папка «Снимки»", "Исследования по году и модальности.", _folder(plt, studies)),
    ]
    if quality is not None:
        sections.append(("Качество связывания", _quality_text(quality),
                         _scores(plt, quality)))
    title = "Когорта: снимки и регистр" + (" (обезличенный выпуск)" if release else "")
    body = "\n".join(f'<section class="chart"><h2>{html.escape(h)}</h2>'
                     f"<p>{html.escape(p)}</p>{svg}</section>" for h, p, svg in sections)
    page = (f'<!DOCTYPE html>\n<html lang="ru"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
            f"<h1>{html.escape(title)}</h1>"
            f"<p>Записей в регистре: {len(cohort)}, связанных исследований: {len(links)}."
            f"</p>{body}</body></html>\n")
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")


_STYLE = ("body{font-family:sans-serif;max-width:60em;margin:1em auto;color:#111}"
          "section{margin:2em 0;page-break-inside:avoid}svg{max-width:100%;height:auto}")


def _read(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _svg(plt, figure) -> str:
    buffer = io.StringIO()
    # (laid out when made: drawn once); no date in the file, which would differ every run
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _year(value: str) -> str:
    return value[:4] if len(value) >= 4 and value[:4].isdigit() else ""


def _coverage(plt, cohort: list[dict]) -> str:
    """Per year of surgery: the share of operated patients with imaging in each phase."""
    phases = [(c, label) for c, label in PHASE_COLUMNS] + \
        [(f"{m}m", f"{m} мес.") for m in FOLLOW_UP_MONTHS]
    by_year: dict[str, list[dict]] = defaultdict(list)
    for row in cohort:
        if _year(row.get("surgery_date", "")):
            by_year[_year(row["surgery_date"])].append(row)
    years = sorted(by_year)
    figure, axes = plt.subplots(figsize=(8, 3.2), layout="constrained")
    width = 0.8 / len(phases)
    for i, (column, label) in enumerate(phases):
        shares = [100 * sum(_has(r, column) for r in by_year[year]) / len(by_year[year])
                  for year in years]
        axes.bar([y + i * width for y in range(len(years))], shares, width, label=label,
                 color=GREYS[i % 3], edgecolor="black", hatch=HATCHES[i % len(HATCHES)])
    axes.set_xticks([y + 0.4 - width / 2 for y in range(len(years))], years)
    axes.set_ylabel("% оперированных")
    axes.set_ylim(0, 100)
    axes.legend(ncol=3, fontsize=8, frameon=False)
    return _svg(plt, figure)


def _has(row: dict, column: str) -> bool:
    if column.endswith("m"):
        return bool(row.get(f"followup_{column}_date"))
    return any(int(row.get(f"{m.lower()}_{column}_n") or 0) for m in MODALITIES)


def _by_modality(plt, cohort: list[dict]) -> str:
    operated = [r for r in cohort if _year(r.get("surgery_date", ""))]
    phases = PHASE_COLUMNS + [("followup", "отдалённый период")]
    figure, axes = plt.subplots(figsize=(8, 2.8), layout="constrained")
    width = 0.8 / len(MODALITIES)
    for i, modality in enumerate(MODALITIES):
        counts = [sum(int(r.get(f"{modality.lower()}_{c}_n") or 0) > 0 for r in operated)
                  for c, _ in phases]
        axes.bar([p + i * width for p in range(len(phases))], counts, width, label=modality,
                 color=GREYS[i], edgecolor="black", hatch=HATCHES[i])
    axes.set_xticks([p + width for p in range(len(phases))], [label for _, label in phases])
    axes.set_ylabel("пациентов")
    axes.legend(frameon=False)
    return _svg(plt, figure)


def _swimmers(plt, links: list[dict]) -> str:
    by_record: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for row in links:
        if row.get("days_from_surgery", "") not in ("", None):
            by_record[row["record_id"]].append((int(row["days_from_surgery"]),
                                                row.get("modality", "")))
    chosen = sorted(sorted(by_record, key=lambda r: (-len(by_record[r]), r))[:SWIMMERS])
    figure, axes = plt.subplots(figsize=(8, max(2.0, 0.14 * len(chosen) + 1)),
                                layout="constrained")
    spans = [sorted(by_record[record]) for record in chosen]
    axes.hlines(range(len(chosen)), [s[0][0] for s in spans], [s[-1][0] for s in spans],
                color="#999999", linewidth=0.8)
    points: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for y, days in enumerate(spans):
        for day, modality in days:
            kind = modality_group(modality)
            points[kind if kind in MARKERS else "другое"].append((day, y))
    for label, where in sorted(points.items()):
        axes.scatter([d for d, _ in where], [y for _, y in where], s=18, zorder=3,
                     marker=MARKERS.get(label, "x"), color="black", label=label,
                     facecolors="white" if label == "CT" else "black")
    axes.axvline(0, color="black", linewidth=1)
    axes.set_yticks([])
    axes.set_xlabel("дней от операции")
    if points:
        axes.legend(frameon=False, fontsize=8, loc="upper left")
    return _svg(plt, figure)


def _folder(plt, studies: dict) -> str:
    counts: Counter = Counter()
    for study in studies.values():
        year = _year(str(getattr(study, "study_date", "") or ""))
        modality = modality_group(str(getattr(study, "modalities", "")))
        modality = modality if modality in MODALITIES else "другое"
        if year:
            counts[(year, modality)] += 1
    years = sorted({y for y, _ in counts})
    figure, axes = plt.subplots(figsize=(8, 2.8), layout="constrained")
    bottom = [0] * len(years)
    for i, modality in enumerate([*MODALITIES, "другое"]):
        values = [counts[(y, modality)] for y in years]
        axes.bar(years, values, bottom=bottom, label=modality, color=GREYS[i % 4],
                 edgecolor="black", hatch=HATCHES[i])
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_ylabel("исследований")
    axes.tick_params(axis="x", labelrotation=45)
    axes.legend(frameon=False, ncol=4, fontsize=8)
    return _svg(plt, figure)


def _scores(plt, quality: LinkQuality) -> str:
    figure, axes = plt.subplots(figsize=(8, 2.6), layout="constrained")
    axes.hist(quality.scores, bins=[i / 20 for i in range(21)], color="#bbbbbb",
              edgecolor="black")
    auto, review = quality.thresholds
    axes.axvline(auto, color="black", linestyle="-", label=f"автоматически ≥ {auto}")
    axes.axvline(review, color="black", linestyle="--", label=f"на проверку ≥ {review}")
    axes.set_xlabel("вероятность")
    axes.set_yscale("log")           # the automatic links would hide every other bin
    axes.set_ylabel("пар (логарифмическая шкала)")
    axes.legend(frameon=False, fontsize=8, loc="upper center")
    return _svg(plt, figure)


def _quality_text(quality: LinkQuality) -> str:
    c = quality.counts
    text = (f"Пар: автоматически {c.get('auto', 0)}, подтверждено {c.get('confirmed', 0)}, "
            f"на проверке {c.get('review', 0)}, отклонено {c.get('rejected', 0)}.")
    return f"{text} {quality.precision}" if quality.precision else text
