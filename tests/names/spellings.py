"""Russian names as other languages write them: our own table (written for these tests
from each language's usual rules, not copied from any data set). Each line: the
convention, the Latin spelling «Given Patronymic Surname», and the Cyrillic ФИО
«Surname Given Patronymic». tests/names/test_spellings.py writes each in several orders
and forms and checks what the readers make of it."""

TABLE = """
german|Sergej Alexandrowitsch Popow|Попов Сергей Александрович
german|Michail Sergejewitsch Gorbatschow|Горбачёв Михаил Сергеевич
german|Georgi Konstantinowitsch Schukow|Жуков Георгий Константинович
german|Jewgeni Wiktorowitsch Pljuschtschenko|Плющенко Евгений Викторович
german|Juri Alexejewitsch Gagarin|Гагарин Юрий Алексеевич
german|Natalja Dmitrijewna Schtschukina|Щукина Наталья Дмитриевна
german|Tatjana Nikolajewna Koslowa|Козлова Татьяна Николаевна
german|Dmitri Iwanowitsch Mendelejew|Менделеев Дмитрий Иванович
german|Wladimir Wladimirowitsch Nabokow|Набоков Владимир Владимирович
german|Olga Sergejewna Tschernyschowa|Чернышёва Ольга Сергеевна
german|Alexei Jewgenjewitsch Naryschkin|Нарышкин Алексей Евгеньевич
dutch|Aleksandr Sergejevitsj Poesjkin|Пушкин Александр Сергеевич
dutch|Nikolaj Vasiljevitsj Gogol|Гоголь Николай Васильевич
dutch|Fjodor Michajlovitsj Dostojevski|Достоевский Фёдор Михайлович
dutch|Pjotr Iljitsj Tsjaikovski|Чайковский Пётр Ильич
dutch|Boris Nikolajevitsj Jeltsin|Ельцин Борис Николаевич
dutch|Anna Andrejevna Achmatova|Ахматова Анна Андреевна
dutch|Joelia Sergejevna Oboechova|Обухова Юлия Сергеевна
dutch|Ivan Petrovitsj Pavlov|Павлов Иван Петрович
dutch|Maksim Joerjevitsj Sjoebin|Шубин Максим Юрьевич
dutch|Svetlana Igorevna Zjoekova|Жукова Светлана Игоревна
polish|Siergiej Wiktorowicz Mironow|Миронов Сергей Викторович
polish|Swietłana Piotrowna Lebiediewa|Лебедева Светлана Петровна
polish|Nikołaj Andriejewicz Charitonow|Харитонов Николай Андреевич
polish|Michaił Jurjewicz Lermontow|Лермонтов Михаил Юрьевич
polish|Aleksiej Nikołajewicz Tołstoj|Толстой Алексей Николаевич
polish|Dmitrij Anatoljewicz Miedwiediew|Медведев Дмитрий Анатольевич
polish|Jewgienija Olegowna Szczerbakowa|Щербакова Евгения Олеговна
polish|Andriej Dmitrijewicz Sacharow|Сахаров Андрей Дмитриевич
polish|Tatiana Iwanowna Szyszkina|Шишкина Татьяна Ивановна
polish|Borys Iwanowicz Gryzłow|Грызлов Борис Иванович
french|Vladimir Volfovitch Jirinovski|Жириновский Владимир Вольфович
french|Dmitri Dmitrievitch Chostakovitch|Шостакович Дмитрий Дмитриевич
french|Sergueï Sergueïevitch Prokofiev|Прокофьев Сергей Сергеевич
french|Mikhaïl Afanassievitch Boulgakov|Булгаков Михаил Афанасьевич
french|Iouri Vladimirovitch Andropov|Андропов Юрий Владимирович
french|Nikolaï Aleksandrovitch Joukov|Жуков Николай Александрович
french|Irina Viktorovna Chouvalova|Шувалова Ирина Викторовна
french|Anastassia Pavlovna Tchourkina|Чуркина Анастасия Павловна
french|Lioudmila Petrovna Volkova|Волкова Людмила Петровна
french|Grigori Iefimovitch Raspoutine|Распутин Григорий Ефимович
czech|Aleksandr Sergejevič Puškin|Пушкин Александр Сергеевич
czech|Vsevolod Vsevolodovič Ivanov|Иванов Всеволод Всеволодович
czech|Petr Aleksejevič Kropotkin|Кропоткин Пётр Алексеевич
czech|Michail Jevgrafovič Saltykov|Салтыков Михаил Евграфович
czech|Anton Pavlovič Čechov|Чехов Антон Павлович
czech|Nikita Sergejevič Chruščov|Хрущёв Никита Сергеевич
czech|Olga Nikolajevna Žukova|Жукова Ольга Николаевна
czech|Vjačeslav Michajlovič Molotov|Молотов Вячеслав Михайлович
czech|Natalja Ivanovna Ščeglova|Щеглова Наталья Ивановна
czech|Marina Ivanovna Cvetajeva|Цветаева Марина Ивановна
finnish|Viktor Stepanovitš Tšernomyrdin|Черномырдин Виктор Степанович
finnish|Ivan Sergejevitš Turgenev|Тургенев Иван Сергеевич
finnish|Juri Mihailovitš Lužkov|Лужков Юрий Михайлович
finnish|Jevgeni Pavlovitš Tšernov|Чернов Евгений Павлович
finnish|Mihail Iljitš Šiškin|Шишкин Михаил Ильич
finnish|Alla Borisovna Pugatšova|Пугачёва Алла Борисовна
finnish|Nikolai Iljitš Žarov|Жаров Николай Ильич
finnish|Vera Petrovna Žuravljova|Журавлёва Вера Петровна
finnish|Aleksandr Issajevitš Solženitsõn|Солженицын Александр Исаевич
finnish|Lidia Ivanovna Tšukovskaja|Чуковская Лидия Ивановна
english|Sergey Petrovich Zheleznyak|Железняк Сергей Петрович
english|Vera Ivanovna Ganzya|Ганзя Вера Ивановна
english|Valentin Petrovich Chayka|Чайка Валентин Петрович
english|Dzhamaladin Magomedovich Gasanov|Гасанов Джамаладин Магомедович
english|Anatoly Borisovich Chubais|Чубайс Анатолий Борисович
english|Ksenia Anatolyevna Sobchak|Собчак Ксения Анатольевна
english|Oleg Nikolaevich Deripaska|Дерипаска Олег Николаевич
english|Yuri Alekseyevich Shevchuk|Шевчук Юрий Алексеевич
english|Maria Vladimirovna Sharapova|Шарапова Мария Владимировна
english|Eugene Viktorovich Kaspersky|Касперский Евгений Викторович
"""


def rows() -> list[tuple[str, list[str], list[str]]]:
    """(convention, Latin words given-patronymic-surname, Cyrillic surname-given-patronymic)."""
    out = []
    for line in TABLE.strip().splitlines():
        convention, latin, cyrillic = line.split("|")
        out.append((convention, latin.split(), cyrillic.split()))
    return out
