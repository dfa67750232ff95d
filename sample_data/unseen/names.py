"""Name material for the unseen world, weighted the way names are spread in Norway.

Given names come in three birth cohorts (born before 1965, 1965–1994, from 1995), because a
woman called Kari is most likely sixty and a girl called Nora most likely six. The weights are
relative counts: for the older cohorts they follow SSB's counts of people bearing each name
(1 January 2019: Jan 47 588, Bjørn 37 048, Per 36 774, Ole 30 984, Lars 29 802 …; Anne, Inger
and Kari the most common women's names), for the youngest SSB's lists of names given to
newborns (Emma, Nora, Sofie, Olivia; Jakob, Lucas, Filip, Oskar). They are rounded and only the
head of each list is kept, so they set the *shape* — a few names very common, most rare — which
decides how often two people share a name.

Surnames: the ten commonest with SSB's counts (Hansen 53 948, Johansen 50 698, Olsen 50 182,
Larsen 38 298, Andersen 37 401, Pedersen 35 561, Nilsen 35 178, Kristiansen 23 716, Jensen
23 203, Karlsen 21 504); SSB: the twenty commonest cover a little over 10 % of the population.
The long tail is farm and place names (most Norwegian surnames are), built from common stems
and endings, many with æ, ø and å.

People of foreign origin carry names of the largest immigrant groups (SSB, Innvandrere og
norskfødte med innvandrerforeldre: Poland, Lithuania, Ukraine, Syria, Somalia, Sweden,
Pakistan, Eritrea, Iraq, Philippines, Vietnam, Thailand, China). For the groups that write in
another script, a name is also kept in that script (``native``): what a person may write in
the name field of a request.

Mail domains are all under ``.example`` (RFC 2606: reserved, never delivered), named after the
providers Norwegians use, so no generated address can reach a real inbox.
"""

from __future__ import annotations

from dataclasses import dataclass

# --------------------------------------------------------------------------- given names
# (name, relative weight). Older cohorts: SSB bearers (thousands, rounded); youngest: SSB
# newborn counts (tens, rounded), scaled to the same order of magnitude.

FEMALE_OLD = (
    ("Anne", 44), ("Inger", 40), ("Kari", 37), ("Marit", 30), ("Ingrid", 29), ("Liv", 28),
    ("Eva", 22), ("Berit", 22), ("Astrid", 21), ("Bjørg", 20), ("Randi", 19), ("Solveig", 19),
    ("Karin", 18), ("Gerd", 16), ("Ragnhild", 15), ("Grete", 14), ("Tove", 14), ("Ellen", 13),
    ("Turid", 13), ("Bente", 12), ("Åse", 11), ("Sissel", 11), ("Unni", 10), ("Wenche", 9),
    ("Gunn", 9), ("Reidun", 8), ("Synnøve", 6), ("Aud", 8), ("Jorunn", 7), ("Torill", 7),
)
MALE_OLD = (
    ("Jan", 48), ("Bjørn", 37), ("Per", 37), ("Ole", 31), ("Lars", 30), ("Kjell", 26),
    ("Svein", 24), ("Knut", 24), ("Arne", 22), ("Hans", 21), ("Odd", 19), ("Terje", 20),
    ("Tor", 21), ("Geir", 22), ("Rolf", 14), ("Leif", 14), ("Egil", 12), ("Harald", 12),
    ("Nils", 13), ("Erik", 21), ("Einar", 11), ("Øyvind", 13), ("Håkon", 9), ("Ståle", 5),
    ("Åge", 6), ("Sverre", 7), ("Gunnar", 12), ("Steinar", 10), ("Trygve", 5), ("Asbjørn", 6),
)
FEMALE_MID = (
    ("Hilde", 20), ("Anne", 18), ("Linda", 17), ("Marianne", 17), ("Kristin", 16), ("Silje", 16),
    ("Camilla", 15), ("Ingrid", 12), ("Ida", 12), ("Marte", 11), ("Kristine", 11), ("Ingvild", 10),
    ("Hege", 14), ("Heidi", 14), ("Lene", 12), ("Monica", 11), ("Maria", 12), ("Julie", 9),
    ("Elisabeth", 10), ("Tone", 10), ("Trine", 11), ("Karoline", 8), ("Stine", 10), ("Siri", 9),
    ("Mette", 10), ("Guro", 6), ("Ragnhild", 5), ("Sølvi", 3), ("Åshild", 3), ("Kjersti", 7),
)
MALE_MID = (
    ("Thomas", 24), ("Martin", 22), ("Andreas", 21), ("Kristian", 16), ("Marius", 16),
    ("Daniel", 18), ("Anders", 19), ("Morten", 22), ("Espen", 15), ("Geir", 10), ("Stian", 14),
    ("Christian", 15), ("Jonas", 10), ("Eirik", 12), ("Kjetil", 13), ("Trond", 17), ("Lars", 12),
    ("Erik", 12), ("Magnus", 10), ("Fredrik", 13), ("Rune", 19), ("Jørgen", 9), ("Håkon", 10),
    ("Øyvind", 10), ("Ståle", 5), ("Bård", 6), ("Ørjan", 5), ("Vegard", 9), ("Sindre", 8),
    ("Tore", 15),
)
FEMALE_YOUNG = (
    ("Emma", 40), ("Nora", 38), ("Sofie", 33), ("Olivia", 30), ("Ella", 32), ("Ada", 29),
    ("Sofia", 27), ("Sara", 26), ("Maja", 26), ("Ingrid", 26), ("Ida", 22), ("Thea", 22),
    ("Emilie", 21), ("Leah", 20), ("Frida", 19), ("Vilde", 18), ("Aurora", 18), ("Hanna", 17),
    ("Julie", 16), ("Amalie", 16), ("Astrid", 15), ("Selma", 14), ("Alma", 14), ("Tiril", 12),
    ("Marie", 12), ("Mia", 12), ("Linnea", 11), ("Oda", 10), ("Sigrid", 10), ("Åsne", 4),
)
MALE_YOUNG = (
    ("Jakob", 42), ("Lucas", 39), ("Filip", 39), ("Oskar", 36), ("Emil", 35), ("Henrik", 34),
    ("William", 33), ("Noah", 31), ("Aksel", 31), ("Isak", 30), ("Oliver", 30), ("Theodor", 25),
    ("Mathias", 22), ("Magnus", 22), ("Elias", 22), ("Sander", 20), ("Jonas", 20), ("Kasper", 18),
    ("Johannes", 17), ("Tobias", 17), ("Markus", 16), ("Håkon", 15), ("Ludvig", 14), ("Even", 12),
    ("Sebastian", 14), ("Adrian", 14), ("Mats", 10), ("Sigurd", 10), ("Ådne", 4), ("Sølve", 3),
)

COHORTS = {
    # cohort -> (female, male); a person's cohort follows their birth year.
    "old": (FEMALE_OLD, MALE_OLD),
    "mid": (FEMALE_MID, MALE_MID),
    "young": (FEMALE_YOUNG, MALE_YOUNG),
}


def cohort(birth_year: int) -> str:
    if birth_year < 1965:
        return "old"
    if birth_year < 1995:
        return "mid"
    return "young"


# ------------------------------------------------------------------------------- surnames
# SSB counts (thousands) for the ten commonest, and the next ten at roughly their size.
SURNAMES_HEAD = (
    ("Hansen", 54), ("Johansen", 51), ("Olsen", 50), ("Larsen", 38), ("Andersen", 37),
    ("Pedersen", 36), ("Nilsen", 35), ("Kristiansen", 24), ("Jensen", 23), ("Karlsen", 22),
    ("Johnsen", 20), ("Pettersen", 20), ("Eriksen", 19), ("Berg", 18), ("Haugen", 15),
    ("Hagen", 15), ("Johannessen", 14), ("Andreassen", 13), ("Jacobsen", 13), ("Dahl", 13),
)
HEAD_SHARE = 0.10
"""SSB: the twenty commonest surnames cover a little over 10 % of the population."""

SURNAME_STEMS = (
    "Bjørk", "Ås", "Haug", "Li", "Berg", "Dal", "Vik", "Nes", "Strand", "Mo", "Sæt", "Røn",
    "Fjell", "Holm", "Lund", "Skog", "Myr", "Rud", "Øde", "Sol", "Kvam", "Tveit", "Eng", "Hov",
    "Bø", "Nord", "Sør", "Øst", "Vest", "Stor", "Lille", "Grøn", "Brå", "Fløy", "Hæ", "Kjær",
    "Løv", "Mæ", "Næ", "Rø", "Sæl", "Tjø", "Vå", "Aar", "Aas", "Brekk", "Fosse", "Gjerd",
    "Helle", "Kleiv", "Mel", "Nyg", "Rosse", "Sand", "Torv", "Ulv", "Ei", "Hof", "Kval", "Lye",
)
SURNAME_ENDINGS = (
    "gård", "heim", "stad", "by", "land", "vik", "dal", "nes", "li", "rud", "haug", "bakken",
    "sæter", "berg", "eng", "holm", "seth", "mo", "vold", "set", "aas", "tun", "myr", "bø",
    "ås", "lien",
)


VOWELS = frozenset("aeiouyæøåAEIOUYÆØÅ")


def surname_tail() -> tuple[str, ...]:
    """Farm-style surnames: every stem with every ending (``Bjørkheim``, ``Åsland``)."""
    names = []
    for stem in SURNAME_STEMS:
        for ending in SURNAME_ENDINGS:
            if stem[-1] == ending[0] or (stem[-1] in VOWELS and ending[0] in VOWELS):
                continue  # "Ulvvik", "Hæaas": not names anyone bears
            names.append(stem + ending)
    return tuple(names)


# --------------------------------------------------------------------- foreign origins
# SSB, Innvandrere og norskfødte med innvandrerforeldre (1 January 2024, rounded, thousands):
# Poland 110, Lithuania 45, Ukraine 60 (rising fast), Syria 40, Somalia 45 (incl. born in
# Norway), Sweden 35, Pakistan 40, Eritrea 30, Iraq 35, Philippines 25, Vietnam 25,
# Thailand 20, China 15.


@dataclass(frozen=True)
class Origin:
    code: str
    weight: float
    female: tuple[str, ...]
    male: tuple[str, ...]
    last: tuple[str, ...]
    native: dict[str, str]
    """Latin spelling -> the same name in the group's own script (given names and surnames)."""
    family_name_first: bool = False
    """Names written surname first at home (Chinese, Vietnamese): systems here often swap them."""


ORIGINS = (
    Origin("pl", 110,
           ("Agnieszka", "Katarzyna", "Małgorzata", "Anna", "Joanna", "Magdalena", "Ewa", "Monika", "Justyna",
            "Beata", "Aleksandra", "Dorota"),
           ("Łukasz", "Piotr", "Krzysztof", "Tomasz", "Paweł", "Michał", "Marcin", "Jakub", "Grzegorz", "Mariusz",
            "Wojciech", "Dariusz"),
           ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski", "Zieliński", "Szymański",
            "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur", "Krawczyk", "Piotrowski", "Grabowski"), {}),
    Origin("lt", 45, ("Rūta", "Jurgita", "Asta", "Inga", "Laura", "Kristina", "Vilma", "Daiva"),
           ("Tomas", "Mindaugas", "Darius", "Andrius", "Marius", "Giedrius", "Vytautas", "Saulius"),
           ("Kazlauskas", "Jankauskas", "Petrauskas", "Stankevičius", "Vasiliauskas", "Žukauskas", "Butkus",
            "Paulauskas", "Urbonas", "Kavaliauskas"), {}),
    Origin("ua", 60, ("Olena", "Iryna", "Oksana", "Nataliia", "Tetiana", "Yuliia", "Svitlana", "Kateryna"),
           ("Andrii", "Oleksandr", "Serhii", "Dmytro", "Volodymyr", "Mykola", "Ihor", "Yurii"),
           ("Kovalenko", "Shevchenko", "Bondarenko", "Tkachenko", "Kravchenko", "Oliinyk", "Melnyk", "Boiko",
            "Koval", "Lysenko"),
           {"Olena": "Олена", "Iryna": "Ірина", "Oksana": "Оксана", "Nataliia": "Наталія", "Tetiana": "Тетяна",
            "Yuliia": "Юлія", "Svitlana": "Світлана", "Kateryna": "Катерина", "Andrii": "Андрій",
            "Oleksandr": "Олександр", "Serhii": "Сергій", "Dmytro": "Дмитро", "Volodymyr": "Володимир",
            "Mykola": "Микола", "Ihor": "Ігор", "Yurii": "Юрій", "Kovalenko": "Коваленко",
            "Shevchenko": "Шевченко", "Bondarenko": "Бондаренко", "Tkachenko": "Ткаченко",
            "Kravchenko": "Кравченко", "Oliinyk": "Олійник", "Melnyk": "Мельник", "Boiko": "Бойко",
            "Koval": "Коваль", "Lysenko": "Лисенко"}),
    Origin("sy", 40, ("Fatima", "Rasha", "Lina", "Nour", "Hala", "Rania", "Dima", "Reem"),
           ("Mohammad", "Ahmad", "Khaled", "Omar", "Yousef", "Samer", "Bashar", "Rami"),
           ("Alahmad", "Alhassan", "Alkhatib", "Haddad", "Alali", "Hamoud", "Darwish", "Sabbagh", "Nassar",
            "Alhamwi"),
           {"Fatima": "فاطمة", "Rasha": "رشا", "Lina": "لينا", "Nour": "نور", "Hala": "هالة", "Rania": "رانيا",
            "Dima": "ديما", "Reem": "ريم", "Mohammad": "محمد", "Ahmad": "أحمد", "Khaled": "خالد", "Omar": "عمر",
            "Yousef": "يوسف", "Samer": "سامر", "Bashar": "بشار", "Rami": "رامي", "Alahmad": "الأحمد",
            "Alhassan": "الحسن", "Alkhatib": "الخطيب", "Haddad": "حداد", "Alali": "العلي", "Hamoud": "حمود",
            "Darwish": "درويش", "Sabbagh": "صباغ", "Nassar": "نصار", "Alhamwi": "الحموي"}),
    Origin("so", 45, ("Hodan", "Amina", "Ifrah", "Sahra", "Faadumo", "Hawa", "Ayaan", "Nimco"),
           ("Abdirahman", "Mohamed", "Abdullahi", "Ali", "Abdikarim", "Hassan", "Yusuf", "Ismail"),
           ("Hassan", "Warsame", "Farah", "Abdi", "Jama", "Osman", "Egal", "Noor", "Aden", "Hersi"), {}),
    Origin("se", 35, ("Karin", "Maria", "Elin", "Malin", "Sara", "Emma", "Linnéa", "Johanna"),
           ("Anders", "Johan", "Mikael", "Per", "Erik", "Lars", "Fredrik", "Björn"),
           ("Andersson", "Johansson", "Karlsson", "Lindqvist", "Nilsson", "Eriksson", "Larsson", "Olsson",
            "Persson", "Svensson", "Gustafsson", "Lindström"), {}),
    Origin("pk", 40, ("Ayesha", "Sana", "Nadia", "Saima", "Rabia", "Hina", "Sadia", "Amna"),
           ("Imran", "Asif", "Tariq", "Bilal", "Usman", "Kamran", "Shahid", "Adnan"),
           ("Khan", "Hussain", "Ahmed", "Iqbal", "Butt", "Malik", "Chaudhry", "Raza", "Akhtar", "Javed"),
           {"Ayesha": "عائشہ", "Sana": "ثناء", "Nadia": "نادیہ", "Saima": "صائمہ", "Rabia": "رابعہ", "Hina": "حنا",
            "Sadia": "سعدیہ", "Amna": "آمنہ", "Imran": "عمران", "Asif": "آصف", "Tariq": "طارق", "Bilal": "بلال",
            "Usman": "عثمان", "Kamran": "کامران", "Shahid": "شاہد", "Adnan": "عدنان", "Khan": "خان",
            "Hussain": "حسین", "Ahmed": "احمد", "Iqbal": "اقبال", "Butt": "بٹ", "Malik": "ملک",
            "Chaudhry": "چوہدری", "Raza": "رضا", "Akhtar": "اختر", "Javed": "جاوید"}),
    Origin("er", 30, ("Helen", "Senait", "Yordanos", "Selam", "Luwam", "Saba"),
           ("Yonas", "Dawit", "Tesfay", "Michael", "Samuel", "Filmon"),
           ("Tesfamariam", "Gebremedhin", "Haile", "Berhane", "Tekle", "Ghebremariam", "Woldu", "Kidane"),
           {"Helen": "ሄለን", "Senait": "ሰናይት", "Yordanos": "ዮርዳኖስ", "Selam": "ሰላም", "Luwam": "ሉዋም",
            "Saba": "ሳባ", "Yonas": "ዮናስ", "Dawit": "ዳዊት", "Tesfay": "ተስፋይ", "Michael": "ሚካኤል",
            "Samuel": "ሳሙኤል", "Filmon": "ፍሊሞን", "Tesfamariam": "ተስፋማርያም", "Gebremedhin": "ገብረመድህን",
            "Haile": "ሃይለ", "Berhane": "በርሀነ", "Tekle": "ተኽለ", "Ghebremariam": "ገብረማርያም",
            "Woldu": "ወልዱ", "Kidane": "ኪዳነ"}),
    Origin("iq", 35, ("Zainab", "Maryam", "Huda", "Noor", "Shahad", "Sara"),
           ("Ali", "Hussein", "Mustafa", "Haider", "Ammar", "Karrar"),
           ("Aljanabi", "Alobaidi", "Kareem", "Aldulaimi", "Alsaadi", "Jasim", "Hameed", "Altamimi"),
           {"Zainab": "زينب", "Maryam": "مريم", "Huda": "هدى", "Noor": "نور", "Shahad": "شهد", "Sara": "سارة",
            "Ali": "علي", "Hussein": "حسين", "Mustafa": "مصطفى", "Haider": "حيدر", "Ammar": "عمار",
            "Karrar": "كرار", "Aljanabi": "الجنابي", "Alobaidi": "العبيدي", "Kareem": "كريم",
            "Aldulaimi": "الدليمي", "Alsaadi": "الساعدي", "Jasim": "جاسم", "Hameed": "حميد",
            "Altamimi": "التميمي"}),
    Origin("ph", 25, ("Maricel", "Jocelyn", "Rowena", "Maria", "Analyn", "Rhea"),
           ("Jose", "Mark", "Rommel", "John Paul", "Reynaldo", "Jerome"),
           ("Santos", "Reyes", "Dela Cruz", "Bautista", "Garcia", "Mendoza", "Villanueva", "Ramos"), {}),
    Origin("vn", 25, ("Lan", "Huong", "Thu", "Mai", "Linh", "Trang"), ("Minh", "Tuan", "Hung", "Duc", "Nam", "Quang"),
           ("Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang", "Bui"), {}, family_name_first=True),
    Origin("th", 20, ("Somsri", "Ratana", "Malee", "Siriporn", "Kanya", "Pranee"),
           ("Somchai", "Anan", "Prasert", "Surachai", "Wichai", "Boonmee"),
           ("Srisuk", "Wongsawat", "Chaiyaporn", "Saelim", "Phromma", "Kaewkla", "Boonyarat"),
           {"Somsri": "สมศรี", "Ratana": "รัตนา", "Malee": "มาลี", "Siriporn": "ศิริพร", "Kanya": "กัญญา",
            "Pranee": "ปราณี", "Somchai": "สมชาย", "Anan": "อนันต์", "Prasert": "ประเสริฐ",
            "Surachai": "สุรชัย", "Wichai": "วิชัย", "Boonmee": "บุญมี", "Srisuk": "ศรีสุข",
            "Wongsawat": "วงศ์สวัสดิ์", "Chaiyaporn": "ชัยพร", "Saelim": "แซ่ลิ้ม", "Phromma": "พรหมมา",
            "Kaewkla": "แก้วกล้า", "Boonyarat": "บุญญรัตน์"}),
    Origin("cn", 15, ("Fang", "Jing", "Mei", "Yan", "Xiu"), ("Wei", "Lei", "Jun", "Tao", "Bo"),
           ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao"),
           {"Fang": "芳", "Jing": "静", "Mei": "梅", "Yan": "燕", "Xiu": "秀", "Wei": "伟", "Lei": "磊", "Jun": "军",
            "Tao": "涛", "Bo": "波", "Wang": "王", "Li": "李", "Zhang": "张", "Liu": "刘", "Chen": "陈",
            "Yang": "杨", "Zhao": "赵"}, family_name_first=True),
)
ORIGIN_WEIGHTS = tuple(o.weight for o in ORIGINS)

# ---------------------------------------------------------------------------- places
STREETS = (
    "Kirkegata", "Skoleveien", "Stasjonsveien", "Bakkegata", "Solheimsgaten", "Bjørkeveien",
    "Furulia", "Sjøgata", "Strandveien", "Havnegata", "Møllebakken", "Løkkeveien", "Rognstien",
    "Lindeberglia", "Fjordveien", "Nordåsveien", "Sørlia", "Østre vei", "Vestre Torggate",
    "Åkerveien", "Myrdalsvegen", "Bekkestien", "Fjellveien", "Skogveien", "Tårnplass",
)
POSTCODES = (
    ("5003", "Bergen"), ("5006", "Bergen"), ("5009", "Bergen"), ("5031", "Bergen"),
    ("5052", "Bergen"), ("5067", "Bergen"), ("5089", "Bergen"), ("5116", "Ulset"),
    ("5131", "Nyborg"), ("5141", "Fyllingsdalen"), ("5221", "Nesttun"), ("5239", "Rådal"),
    ("5258", "Blomsterdalen"), ("5300", "Kleppestø"), ("5353", "Straume"),
)

# ----------------------------------------------------------------------------- e-mail
# (domain, weight): no published split of Norwegians' mail providers exists; the weights
# follow the order of magnitude webmail and ISP mail are seen in customer registers.
MAIL_DOMAINS = (
    ("gmail.example", 40), ("hotmail.example", 14), ("online.example", 8), ("icloud.example", 6),
    ("outlook.example", 5), ("live.example", 4), ("yahoo.example", 3), ("altibox.example", 3),
    ("hotmail-no.example", 2), ("getmail.example", 2), ("lyse.example", 2), ("broadpark.example", 1),
    ("frisurf.example", 1), ("me.example", 1),
)
TAGGING_DOMAINS = frozenset({"gmail.example", "outlook.example", "icloud.example"})
"""Providers whose users write ``name+tag@``; only these deliver sub-addressed mail."""

EMPLOYER_DOMAINS = (
    "bergen-kommune.example", "helse-bergen.example", "equinor.example", "uib.example",
    "dnb.example", "telenor.example", "sparebank.example", "skanska.example", "vestland.example",
    "rema.example", "posten.example", "nav.example",
)
IDN_DOMAINS = (
    "sæbø-rør.example", "blåbærlia.example", "fjærland-bygg.example", "øvre-vollen.example",
    "hååland.example", "brødrene-dæhli.example", "kjærlighetsstien.example", "ørnereiret.example",
)
"""Personal and small-firm domains with æ, ø or å (IDN): the few who have one use it."""
