"""The sheet's words, in Russian (default) and English. The import accepts both."""

from __future__ import annotations

from linkage.names.canon import fold_lookalikes

DECISION_HEADER = "Решение"
KEY_COLUMNS = ("record_id", "study_instance_uid")
FP_COLUMNS = ("record_fingerprint", "study_fingerprint")

# Accepted decision values (case, spaces and a trailing dot ignored) -> stored value.
DECISIONS = {
    "да": "yes", "д": "yes", "yes": "yes", "y": "yes", "+": "yes",
    "нет": "no", "н": "no", "no": "no", "n": "no", "-": "no",
    "не знаю": "unsure", "?": "unsure", "unsure": "unsure", "don't know": "unsure",
    "не уверен": "unsure",
}
CHOICES = {"ru": ("да", "нет", "не знаю"), "en": ("yes", "no", "don't know")}

LABELS = {
    "ru": {
        "sheet_review": "На проверку", "sheet_auto": "Авто", "sheet_lonely": "Снимки без пары",
        "sheet_unmatched": "Записи без снимков", "sheet_summary": "Сводка",
        "sheet_control": "Выборочная проверка",
        "control_note": "Случайная выборка автоматических связей: ответы показывают, как "
                        "часто автомат ошибается. Отвечайте так же, как на листе «На "
                        "проверку».",
        "control_estimate": "Точность автоматических связей (выборочная проверка)",
        "decision": DECISION_HEADER, "comment": "Комментарий", "score": "Вероятность",
        "reason": "Почему", "attention": "Внимание",
        "rec_name": "ФИО (регистр)", "rec_birth": "Д.р. (регистр)", "rec_sex": "Пол (регистр)",
        "rec_case": "№ И/Б", "rec_admission": "Поступление", "rec_surgery": "Операция",
        "img_name": "Имя в снимке", "img_decoding": "Как прочитано", "img_birth": "Д.р. (снимок)",
        "img_sex": "Пол (снимок)", "img_id": "PatientID", "img_folder": "Папка",
        "img_date": "Дата снимка", "img_days": "Дней от поступления",
        "img_days_surgery": "Дней от операции", "img_modality": "Вид",
        "img_description": "Описание", "img_images": "Снимков", "img_path": "Путь к копии",
        "study_group": "№ снимка", "count": "Число", "what": "Что",
        "chart": "Распределение вероятностей пар", "bin": "Вероятность от",
        "pairs": "Пар", "thr_auto": "Порог авто", "thr_review": "Порог проверки",
        "instructions": "Выберите в столбце «Решение»: да / нет / не знаю. "
                        "Строки можно сортировать и фильтровать, столбцы добавлять.",
        "rec_id": "ID записи",
        "n_studies": "Исследований (снимков)", "n_records": "Записей регистра",
        "auto": "Связано автоматически", "review": "На проверку",
        "confirmed": "Подтверждено врачом", "rejected": "Отклонено врачом",
    },
    "en": {
        "sheet_review": "To review", "sheet_auto": "Auto", "sheet_lonely": "Studies unmatched",
        "sheet_unmatched": "Records unmatched", "sheet_summary": "Summary",
        "sheet_control": "Control sample",
        "control_note": "A random sample of automatic links: the answers show how often the "
                        "automatic links are wrong. Answer as on «To review».",
        "control_estimate": "Precision of automatic links (control sample)",
        "decision": DECISION_HEADER, "comment": "Comment", "score": "Probability",
        "reason": "Why", "attention": "Attention",
        "rec_name": "Name (registry)", "rec_birth": "Birth (registry)", "rec_sex": "Sex (registry)",
        "rec_case": "Case no.", "rec_admission": "Admitted", "rec_surgery": "Surgery",
        "img_name": "Name in image", "img_decoding": "Decoded as", "img_birth": "Birth (image)",
        "img_sex": "Sex (image)", "img_id": "PatientID", "img_folder": "Folder",
        "img_date": "Study date", "img_days": "Days from admission",
        "img_days_surgery": "Days from surgery", "img_modality": "Modality",
        "img_description": "Description", "img_images": "Images", "img_path": "Path of a copy",
        "study_group": "Study no.", "count": "Count", "what": "What",
        "chart": "Pair probability distribution", "bin": "Probability from",
        "pairs": "Pairs", "thr_auto": "Auto threshold", "thr_review": "Review threshold",
        "instructions": "Choose in the «Решение» column: yes / no / don't know. "
                        "Rows may be sorted and filtered, columns added.",
        "rec_id": "Record ID",
        "n_studies": "Studies", "n_records": "Registry records",
        "auto": "Linked automatically", "review": "To review",
        "confirmed": "Confirmed", "rejected": "Rejected",
    },
}


def labels(lang: str) -> dict[str, str]:
    if lang not in LABELS:
        raise ValueError(f"unknown language «{lang}»: use ru or en")
    return LABELS[lang]


def normalise_decision(value) -> str | None:
    """Stored value for a cell ("" for empty), or None when the cell is not a decision."""
    if value is None:
        return ""
    text = " ".join(str(value).strip().lower().rstrip(".").split())
    if not text:
        return ""
    # «дa» typed with a Latin a, «don’t know» with a typographic apostrophe
    text = text.replace("’", "'")
    return DECISIONS.get(text) or DECISIONS.get(fold_lookalikes(text))
