"""People planted to attack the rule that an automatic link rests on evidence that tells
two people apart (docs/architecture.md): namesakes whose birth dates are one digit, one
year or day and month apart, parent and child of one full name, twins of one initial,
the most frequent full names again and again, and different given names one letter
apart. Each of them is a second real person, never a typo; `linkage evaluate` reports
each group as the class `person:hard:<group>`. Their studies lack the birth date or the
patronymic more often than others' (`HARD_IMAGE`): that is where a linker guesses.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from linkage.synth.people import PATRONYMIC_BASES, PeopleFactory, Person, feminine

# Different given names one letter (or one ending) apart, each a name of its own.
CLOSE_GIVEN = (("Алёна", "Елена"), ("Алина", "Алёна"), ("Марина", "Мария"),
               ("Юлия", "Юлиана"), ("Евгений", "Евгения"), ("Александр", "Александра"),
               ("Валентин", "Валентина"), ("Роман", "Рома"), ("Анна", "Алла"),
               ("Дарья", "Дина"), ("Инна", "Нина"), ("Лариса", "Раиса"))
# Twins named with one initial: an initial alone cannot tell them apart.
SAME_INITIAL = (("Александр", "Алексей"), ("Сергей", "Семён"), ("Максим", "Михаил"),
                ("Анна", "Алина"), ("Мария", "Марина"), ("Дмитрий", "Денис"))
FREQUENT_SURNAMES = ("Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров",
                     "Соколов", "Михайлов", "Новиков", "Фёдоров")
FREQUENT_MALE = ("Александр", "Сергей", "Андрей", "Алексей", "Дмитрий")
FREQUENT_FEMALE = ("Елена", "Ольга", "Наталья", "Татьяна", "Ирина")
FREQUENT_FATHERS = ("Александр", "Сергей", "Владимир", "Николай", "Иван")
GROUPS = ("one_digit", "one_year", "day_month", "parent_child", "twins_initial",
          "frequent", "close_given")
HARD_IMAGE = {"birth_missing": 0.3, "no_patronymic": 0.3}   # of a hard person's studies


def plant(factory: PeopleFactory, rng: random.Random, n: int) -> list[Person]:
    """About n persons in pairs (and frequent names in threes), every group in turn."""
    people: list[Person] = []
    turn = 0
    while len(people) < n:
        group = GROUPS[turn % len(GROUPS)]
        turn += 1
        planted = _PLANTERS[group](factory, rng)
        for person in planted:
            person.tags.add(f"hard:{group}")
        people.extend(planted)
    return people[:n]


def _namesake(factory: PeopleFactory, rng: random.Random, birth: date) -> list[Person]:
    first = factory.person()
    second = Person(factory._id(), first.surname, first.given, first.patronymic, first.sex,
                    birth)
    return [first, second]


def _one_digit(factory: PeopleFactory, rng: random.Random) -> list[Person]:
    base = factory.birth_date()
    while True:
        text = base.strftime("%Y%m%d")
        at = rng.choice((2, 3, 5, 7))           # a digit of the year, month or day
        digit = rng.choice([d for d in "0123456789" if d != text[at]])
        try:
            other = date(int((t := text[:at] + digit + text[at + 1:])[:4]), int(t[4:6]),
                         int(t[6:]))
        except ValueError:
            continue
        if date(1920, 1, 1) <= other <= date(2006, 1, 1):
            break
    pair = _namesake(factory, rng, other)
    pair[0].birth_date = base
    return pair


def _one_year(factory: PeopleFactory, rng: random.Random) -> list[Person]:
    pair = _namesake(factory, rng, date(2000, 1, 1))
    first = pair[0].birth_date
    pair[1].birth_date = first.replace(year=first.year + rng.choice((-1, 1)), day=min(
        first.day, 28))
    return pair


def _day_month(factory: PeopleFactory, rng: random.Random) -> list[Person]:
    day, month = rng.sample(range(1, 13), 2)
    year = rng.randrange(1940, 2000)
    pair = _namesake(factory, rng, date(year, day, month))
    pair[0].birth_date = date(year, month, day)
    return pair


def _parent_child(factory: PeopleFactory, rng: random.Random) -> list[Person]:
    parent = factory.person()
    parent.birth_date = date(1935, 1, 1) + timedelta(days=rng.randrange(0, 365 * 30))
    child = Person(factory._id(), parent.surname, parent.given, parent.patronymic,
                   parent.sex, parent.birth_date + timedelta(days=rng.randrange(365 * 20,
                                                                                365 * 35)))
    return [parent, child]


def _twins_initial(factory: PeopleFactory, rng: random.Random) -> list[Person]:
    names = rng.choice(SAME_INITIAL)
    sex = "F" if names[0].endswith(("а", "я")) else "M"
    first = factory.person(sex=sex)
    first.given = names[0]
    twin = Person(factory._id(), first.surname, names[1], first.patronymic, sex,
                  first.birth_date)
    return [first, twin]


def _frequent(factory: PeopleFactory, rng: random.Random) -> list[Person]:
    """The most frequent full names come back many times with their own birth dates."""
    sex = rng.choice("MF")
    surname = rng.choice(FREQUENT_SURNAMES)
    given = rng.choice(FREQUENT_MALE if sex == "M" else FREQUENT_FEMALE)
    male_p, female_p = PATRONYMIC_BASES[rng.choice(FREQUENT_FATHERS)]
    return [Person(factory._id(), surname if sex == "M" else feminine(surname), given,
                   male_p if sex == "M" else female_p, sex, factory.birth_date())
            for _ in range(3)]


def _close_given(factory: PeopleFactory, rng: random.Random) -> list[Person]:
    names = rng.choice(CLOSE_GIVEN)
    base = factory.surname()
    father = rng.choice(list(PATRONYMIC_BASES))
    out = []
    for given in names:
        sex = "F" if given.endswith(("а", "я")) and given not in ("Рома",) else "M"
        male_p, female_p = PATRONYMIC_BASES[father]
        out.append(Person(factory._id(), base if sex == "M" else feminine(base), given,
                          male_p if sex == "M" else female_p, sex, factory.birth_date()))
    return out


_PLANTERS = {"one_digit": _one_digit, "one_year": _one_year, "day_month": _day_month,
             "parent_child": _parent_child, "twins_initial": _twins_initial,
             "frequent": _frequent, "close_given": _close_given}
