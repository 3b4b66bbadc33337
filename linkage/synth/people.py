"""Synthetic people with the relations that make linkage hard.

Surnames follow a steep frequency curve (so namesakes occur) with a long tail
of rare ones; special groups are planted at stated rates: namesakes, strangers
born the same day, twins, mothers with sons, women whose surname changed,
people with images but no record, records without images, repeat admissions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

# Male surname forms; feminine forms are derived. The first ones are the most common.
SURNAMES = (
    "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов "
    "Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев "
    "Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв "
    "Сергеев Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков "
    "Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров "
    "Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов Крылов "
    "Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов Казаков Афанасьев Данилов "
    "Савельев Тимофеев Фомин Чернов Абрамов Мартынов Ефимов Федотов Щербаков Назаров Калинин "
    "Исаев Чернышёв Быков Маслов Родионов Коновалов Лазарев Воронин Климов Филатов Пономарёв "
    "Голубев Кудрявцев Прохоров Наумов Потапов Журавлёв Овчинников Трофимов Леонов Соболев "
    "Ермаков Колесников Гончаров Емельянов Никифоров Грачёв Котов Гришин Ефремов Архипов "
    "Громов Кириллов Малышев Панов Моисеев Румянцев Акимов Кондратьев Бирюков Горбунов "
    "Анисимов Ерёмин Тихомиров Галкин Лукьянов Михеев Скворцов Юдин Белоусов Нестеров Симонов "
    "Прокофьев Харитонов Князев Цветков Левин Митрофанов Воронов Аксёнов Софронов Мальцев "
    "Логинов Горшков Савин Краснов Майоров Демидов Елисеев Рыбаков Сафонов Плотников Дёмин "
    "Хохлов Фадеев Молчанов Игнатов Литвинов Ершов Ушаков Дементьев Рябов Мухин Калашников "
    "Леонтьев Лобанов Кузин Корнеев Евдокимов Бородин Платонов Некрасов Балашов Бобров "
    "Жданов Блинов Игнатьев Коротков Муравьёв Крюков Беляков Богомолов Дроздов Лавров Зуев "
    "Петухов Ларин Никулин Серов Терентьев Зотов Устинов Фокин Самойлов Константинов Сахаров "
    "Шишкин Самсонов Черкасов Чистяков Носов Спиридонов Карасёв Авдеев Воронцов Зверев "
    "Владимиров Селезнёв Нечаев Кудряшов Седов Фирсов Андрианов Панин Головин Терехов "
    "Ульянов Шестаков Агеев Никонов Селиванов Баженов Гордеев Кожевников Пахомов Зимин "
    "Костин Широков Филимонов Ларионов Овсянников Сазонов Суворов Нефёдов Корнилов Любимов "
    "Львов Горбачёв Копылов Лукин Токарев Кулешов Шилов Большаков Панкратов Родин Шаповалов "
    "Покровский Бобылёв Мишин Хасьянов Щукин Шамсутдинов Юсупов Ахметов Цой Ким Эйхе Ющенко "
    "Вишневский Чайковский Жеребцов Щеглов Хабибуллин Шарипов Хлебников Чепурной Ярцев "
    "Пугачёв Ястребов Шубин Щетинин Лихачёв Цыганков Черепанов Ёлкин Шевчук Кравченко "
    "Бондаренко Ткаченко Мороз Гарипов Рахимов Исмаилов Алиев Мамедов Оганесян Петросян"
).split()

PATRONYMIC_BASES = {
    # father's name -> (male, female) patronymics
    "Иван": ("Иванович", "Ивановна"), "Пётр": ("Петрович", "Петровна"),
    "Сергей": ("Сергеевич", "Сергеевна"), "Александр": ("Александрович", "Александровна"),
    "Алексей": ("Алексеевич", "Алексеевна"), "Николай": ("Николаевич", "Николаевна"),
    "Владимир": ("Владимирович", "Владимировна"), "Михаил": ("Михайлович", "Михайловна"),
    "Андрей": ("Андреевич", "Андреевна"), "Юрий": ("Юрьевич", "Юрьевна"),
    "Виктор": ("Викторович", "Викторовна"), "Анатолий": ("Анатольевич", "Анатольевна"),
    "Евгений": ("Евгеньевич", "Евгеньевна"), "Дмитрий": ("Дмитриевич", "Дмитриевна"),
    "Василий": ("Васильевич", "Васильевна"), "Геннадий": ("Геннадьевич", "Геннадьевна"),
    "Олег": ("Олегович", "Олеговна"), "Игорь": ("Игоревич", "Игоревна"),
    "Борис": ("Борисович", "Борисовна"), "Валерий": ("Валерьевич", "Валерьевна"),
    "Ерофей": ("Ерофеевич", "Ерофеевна"), "Илья": ("Ильич", "Ильинична"),
    "Фёдор": ("Фёдорович", "Фёдоровна"), "Григорий": ("Григорьевич", "Григорьевна"),
    "Константин": ("Константинович", "Константиновна"), "Леонид": ("Леонидович", "Леонидовна"),
    "Рустам": ("Рустамович", "Рустамовна"), "Тимур": ("Тимурович", "Тимуровна"),
}


# The names a St. Petersburg hospital also sees: (surname, male given names, female given
# names, fathers' names for patronymics; none: no patronymic, as Korean names go).
NAME_GROUPS = {
    "tatar": ("Хайруллин Галиев Сафин Зарипов Гарипов Нуриев Шамсутдинов Валиев".split(),
              "Рустам Ильдар Марат Тимур Айдар Ринат Азат".split(),
              "Гульнара Зульфия Алсу Лейсан Альфия Гузель".split(),
              ["Ильдар", "Марат", "Ринат", "Рустам", "Тимур"]),
    "caucasian": ("Оганесян Петросян Саргсян Алиев Мамедов Гасанов Абдуллаев".split(),
                  "Ашот Арсен Тигран Эльдар Руслан Артур".split(),
                  "Гаяне Нарине Лейла Асмик Эльмира".split(),
                  ["Гурген", "Ахмед", "Ашот", "Руслан"]),
    "central_asian": ("Юсупов Каримов Алимов Рахимов Турсунов Назаров".split(),
                      "Бахтиёр Шерзод Фарход Рустам Тимур".split(),
                      "Нодира Дильноза Камила Гульчехра Малика".split(),
                      ["Рашит", "Ильдар", "Марат"]),
    "korean": ("Пак Ким Ли Цой Хан".split(), ["Ен Хо", "Мин Су", "Сон Ир", "Дон Хо"],
               ["Ен Сук", "Мин Чжи", "Сун Ок"], []),
}
NAME_MIX = {"non_slavic": 0.12, "double_surname": 0.02}
MORE_PATRONYMICS = {
    "Ильдар": ("Ильдарович", "Ильдаровна"), "Марат": ("Маратович", "Маратовна"),
    "Ринат": ("Ринатович", "Ринатовна"), "Ахмед": ("Ахмедович", "Ахмедовна"),
    "Гурген": ("Гургенович", "Гургеновна"), "Ашот": ("Ашотович", "Ашотовна"),
    "Руслан": ("Русланович", "Руслановна"), "Рашит": ("Рашитович", "Рашитовна"),
}

COMMON_SHARE = 0.3            # of people carry one of the common surnames above
TAIL_SIZE = 6000


def surname_distribution() -> tuple[list[str], list[float]]:
    """Common surnames on a Zipf curve (Иванов about 2%, as in Russia), then a long
    tail of rare generated ones: namesakes occur, but blocks stay realistic."""
    common = [1.0 / (i + 1) ** 0.7 for i in range(len(SURNAMES))]
    scale = COMMON_SHARE / sum(common)
    tail = _tail_surnames(TAIL_SIZE)
    weights = [w * scale for w in common] + [(1 - COMMON_SHARE) / len(tail)] * len(tail)
    cumulative, total = [], 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    return SURNAMES + tail, cumulative


def _tail_surnames(n: int) -> list[str]:
    """Plausible rare Russian surnames (Барутов, Кемилин): syllables + a suffix."""
    rng = random.Random(2018)
    onsets = "Б В Г Д Ж З К Л М Н П Р С Т Ф Х Ч Ш Бр Вл Гр Др Кр Пр Ст Тр Гл Кл Пл См Сн Ст".split()
    vowels = "а о е и у я ы ё".split()
    codas = "б в г д з к л м н п р с т х ш ч рт лк нк ст рд лм".split()
    suffixes = ("ов", "ев", "ин", "ский", "цев", "енко", "ук", "ич", "ых", "ан")
    seen: set[str] = set(SURNAMES)
    out: list[str] = []
    while len(out) < n:
        stem = rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)
        if rng.random() < 0.5:
            stem += rng.choice(vowels[:5]) + rng.choice(codas[:15])
        name = stem + rng.choice(suffixes)
        if name not in seen and not name.endswith(("ыов", "ыев")):
            seen.add(name)
            out.append(name)
    return out


def feminine(surname: str) -> str:
    """Иванов -> Иванова, Вишневский -> Вишневская; others (Цой, Шевчук) unchanged."""
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    if surname.endswith("ский"):
        return surname[:-4] + "ская"
    if surname.endswith("цкий"):
        return surname[:-4] + "цкая"
    if surname.endswith("ой") and len(surname) > 3:
        return surname[:-2] + "ая"
    return surname


@dataclass
class Person:
    person_id: str
    surname: str                  # as in the registry (current)
    given: str
    patronymic: str
    sex: str
    birth_date: date
    image_surname: str = ""       # surname on the images, if it differs (maiden name)
    case_numbers: list[str] = field(default_factory=list)
    has_record: bool = True
    has_images: bool = True
    admissions: int = 1
    tags: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.image_surname = self.image_surname or self.surname


# Rates of the planted groups, per person (the tests check they occur so).
RATES = {
    "namesake": 0.02, "same_birth_date": 0.03, "twins": 0.01, "mother_son": 0.015,
    "maiden_name": 0.03, "images_only": 0.05, "record_only": 0.06, "repeat_admissions": 0.10,
    # another person with the same given name, patronymic and birth date, other surname
    "impostor": 0.02,
}


class PeopleFactory:
    def __init__(self, rng: random.Random):
        self.rng = rng
        table = _given_table()
        self.male = [n for n in table if table[n] == "M"]
        self.female = [n for n in table if table[n] == "F"]
        self.surnames, self.surname_weights = surname_distribution()
        self.count = 0

    def _id(self) -> str:
        self.count += 1
        return f"P{self.count:05d}"

    def surname(self) -> str:
        return self.rng.choices(self.surnames, cum_weights=self.surname_weights)[0]

    def birth_date(self) -> date:
        return date(1940, 1, 1) + timedelta(days=self.rng.randrange(0, 365 * 62))

    def person(self, sex: str | None = None, surname: str | None = None,
               birth: date | None = None, father: str | None = None) -> Person:
        sex = sex or self.rng.choice("MF")
        if surname is None and father is None and self.rng.random() < NAME_MIX["non_slavic"]:
            return self._non_slavic(sex, birth)
        base = surname or self.surname()
        father = father or self.rng.choice(list(PATRONYMIC_BASES))
        male_p, female_p = PATRONYMIC_BASES[father]
        given = self.rng.choice(self.male if sex == "M" else self.female)
        person = Person(self._id(), base if sex == "M" else feminine(base), given,
                        male_p if sex == "M" else female_p, sex, birth or self.birth_date())
        if sex == "F" and surname is None and self.rng.random() < NAME_MIX["double_surname"]:
            person.surname = f"{person.surname}-{self.rng.choice(('Миллер', 'Шмидт', 'Ким'))}"
            person.image_surname = person.surname
            person.tags.add("name:double_surname")
        return person

    def _non_slavic(self, sex: str, birth: date | None) -> Person:
        group = self.rng.choice(list(NAME_GROUPS))
        surnames, male, female, fathers = NAME_GROUPS[group]
        base = self.rng.choice(surnames)
        given = self.rng.choice(male if sex == "M" else female)
        patronymic = ""
        if fathers:
            father = self.rng.choice(fathers)
            male_p, female_p = MORE_PATRONYMICS.get(father) or PATRONYMIC_BASES[father]
            patronymic = male_p if sex == "M" else female_p
        surname = base if sex == "M" or group == "korean" else feminine(base)
        return Person(self._id(), surname, given, patronymic, sex, birth or self.birth_date(),
                      tags={f"name:{group}"})

    def population(self, n: int, planted: list[Person] | None = None) -> list[Person]:
        """n persons with the special groups among them, after those `planted` first
        (linkage.synth.hard: namesakes a linker must not merge)."""
        rng = self.rng
        people: list[Person] = list(planted or [])
        while len(people) < n:
            roll = rng.random()
            p = self.person()
            people.append(p)
            if roll < RATES["namesake"]:
                twin_name = Person(self._id(), p.surname, p.given, p.patronymic, p.sex,
                                   self.birth_date(), tags={"namesake"})
                p.tags.add("namesake")
                people.append(twin_name)
            elif roll < RATES["namesake"] + RATES["same_birth_date"]:
                other = self.person(birth=p.birth_date)
                other.tags.add("same_birth_date")
                p.tags.add("same_birth_date")
                people.append(other)
            elif roll < RATES["namesake"] + RATES["same_birth_date"] + RATES["twins"]:
                base = p.surname if p.sex == "M" else p.surname[:-1] if p.surname.endswith("а") \
                    else p.surname
                twin = self.person(sex=p.sex, surname=base, birth=p.birth_date)
                twin.patronymic = p.patronymic
                while twin.given == p.given:
                    twin.given = rng.choice(self.male if p.sex == "M" else self.female)
                twin.tags.add("twins")
                p.tags.add("twins")
                people.append(twin)
            elif roll < sum(RATES[k] for k in ("namesake", "same_birth_date", "twins",
                                                "mother_son")):
                male_base = self.surname()
                mother = self.person(sex="F", surname=male_base)
                son = self.person(sex="M", surname=male_base,
                                  birth=mother.birth_date + timedelta(days=rng.randrange(
                                      365 * 20, 365 * 35)))
                if son.birth_date > date(2005, 1, 1):
                    son.birth_date = date(2005, 1, 1) - timedelta(days=rng.randrange(1000))
                mother.tags.add("mother_son")
                son.tags.add("mother_son")
                people.extend([mother, son])
            elif roll < sum(RATES[k] for k in ("namesake", "same_birth_date", "twins",
                                                "mother_son", "impostor")):
                other = self.person(sex=p.sex, birth=p.birth_date)
                while other.surname[:4] == p.surname[:4]:
                    other = self.person(sex=p.sex, birth=p.birth_date)
                other.given, other.patronymic = p.given, p.patronymic
                other.tags.add("impostor")
                p.tags.add("impostor")
                people.append(other)
        people = people[:n]
        for p in people:
            self._history(p)
        return people

    def _history(self, p: Person) -> None:
        """What happened to a person since: a new surname, images or a record only,
        repeat admissions."""
        rng = self.rng
        r = rng.random()
        if p.sex == "F" and r < RATES["maiden_name"] * 2:
            p.image_surname = p.surname
            p.surname = feminine(self.surname())
            if p.surname != p.image_surname:
                p.tags.add("maiden_name")
            else:
                p.image_surname = p.surname
        r = rng.random()
        if r < RATES["images_only"]:
            p.has_record = False
            p.tags.add("images_only")
        elif r < RATES["images_only"] + RATES["record_only"]:
            p.has_images = False
            p.tags.add("record_only")
        if rng.random() < RATES["repeat_admissions"]:
            p.admissions = rng.choice((2, 2, 3))
            p.tags.add("repeat_admissions")
        p.case_numbers = [str(rng.randrange(1000, 99999)) for _ in range(p.admissions)]


def _given_table() -> dict[str, str]:
    """Given names with their sex, one spelling of names differing by ё/е (Артём)."""
    from importlib import resources

    text = resources.files("linkage.data").joinpath("given_names.txt").read_text("utf-8")
    out: dict[str, str] = {}
    seen: set[str] = set()
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            name, sex = line.split()
            key = name.replace("ё", "е")
            if key not in seen:
                seen.add(key)
                out[name] = sex.upper()
    return out
