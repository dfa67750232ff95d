"""Name material for the sample world: Faker's ``nb_NO`` lists widened with more Norwegian names.

Faker holds about a hundred names of each kind; a few thousand people drawn from those alone
would be mostly namesakes of each other. The extra lists add common Norwegian given names and
surnames, many with æ, ø and å so that systems which fold them (``Ødegård`` → ``Odegard``)
have something to fold. Streets and places are kept here too: they are data, not logic.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

EXTRA_FEMALE = (
    "Agnes", "Aina", "Alma", "Amalie", "Amanda", "Aurora", "Birgit", "Bodil", "Borghild",
    "Britt", "Cathrine", "Dagny", "Elin", "Elisabeth", "Ellen", "Embla", "Emilie", "Frida",
    "Gro", "Gunhild", "Gunn", "Hanne", "Hedda", "Hege", "Helga", "Henny", "Herdis", "Hilde",
    "Idun", "Ingeborg", "Ingvild", "Iselin", "Jorunn", "Julie", "Kaja", "Karoline", "Kjersti",
    "Kristin", "Lene", "Linnea", "Liv", "Lotte", "Mali", "Marianne", "Marit", "Mathilde",
    "Mette", "Mia", "Mille", "Nora", "Oda", "Oline", "Pernille", "Ragnhild", "Randi", "Rønnaug",
    "Sigrid", "Signe", "Siri", "Siv", "Sofie", "Solveig", "Sunniva", "Synnøve", "Sølvi",
    "Thea", "Tiril", "Tone", "Torill", "Tove", "Turid", "Unni", "Vilde", "Vigdis", "Wenche",
    "Åse", "Åshild", "Ylva", "Øydis", "Ørnhild",
)

EXTRA_MALE = (
    "Aksel", "Amund", "Are", "Arvid", "Aslak", "Audun", "Bendik", "Birger", "Bård", "Dag",
    "Eilif", "Einar", "Eirik", "Elias", "Emil", "Endre", "Erlend", "Even", "Filip", "Fredrik",
    "Gaute", "Geir", "Gunnar", "Haakon", "Halvard", "Halvor", "Harald", "Henning", "Herman",
    "Inge", "Isak", "Ivar", "Jakob", "Jon", "Kjell", "Kjetil", "Knut", "Kristoffer", "Leif",
    "Magne", "Magnus", "Mats", "Mikkel", "Njål", "Odd", "Olav", "Oskar", "Ottar", "Peder",
    "Petter", "Ragnar", "Rolf", "Runar", "Sigurd", "Sindre", "Sjur", "Steinar", "Stian",
    "Sverre", "Teodor", "Terje", "Tollef", "Torbjørn", "Tormod", "Torstein", "Trond",
    "Trygve", "Vebjørn", "Vegard", "Vidar", "Yngve", "Øystein", "Øyvind", "Ådne", "Åsmund",
)

EXTRA_LAST = (
    "Ødegård", "Ødegaard", "Øien", "Øvrebø", "Østby", "Østerhus", "Ørsland", "Øyen", "Åsen",
    "Ås", "Ålgård", "Årdal", "Bråthen", "Brække", "Bjørnstad", "Bjørge", "Bjørkli", "Bøe",
    "Dæhli", "Dåsvatn", "Eriksrød", "Fjærli", "Fløysand", "Frøyland", "Grønvold", "Gjerløw",
    "Græsdal", "Håland", "Høyland", "Jåsund", "Kjær", "Kvåle", "Kværnø", "Lægreid",
    "Løken", "Løvås", "Mæland", "Møller", "Mørk", "Næss", "Nærland", "Økland", "Råsberg",
    "Rønneberg", "Røed", "Sæther", "Sætre", "Søvik", "Sørensen", "Sørheim", "Stålesen",
    "Svendsbø", "Tjøstheim", "Tørresdal", "Vågen", "Vårdal", "Ådnanes", "Åmodt", "Aarstad",
    "Bakke", "Berge", "Birkeland", "Bjelland", "Bore", "Eide", "Espeland", "Fosse", "Gabrielsen",
    "Garborg", "Gjerde", "Grødem", "Hansson", "Helland", "Hetland", "Hodne", "Idsøe",
    "Jåtten", "Kleppa", "Kvernland", "Lima", "Lunde", "Lye", "Madland", "Meling", "Mong",
    "Nesheim", "Netland", "Oftedal", "Omdal", "Pollestad", "Rasmussen", "Reve", "Risa",
    "Rosseland", "Salte", "Serigstad", "Sirevåg", "Skadberg", "Skjæveland", "Soma", "Stokka",
    "Surdal", "Sømme", "Tjelta", "Tvedt", "Ueland", "Undheim", "Vatne", "Vigre", "Wiig",
    "Aasland", "Alstad", "Bondevik", "Brenna", "Dahle", "Engen", "Fjeld", "Granli", "Haugen",
    "Holter", "Kolstad", "Lien", "Lillehagen", "Lysgaard", "Moe", "Myhre", "Nyhus", "Opsahl",
    "Rud", "Sandvik", "Skaug", "Stenersen", "Strand", "Sveen", "Tangen", "Torp", "Vangen",
    "Veum", "Wold", "Amundrud", "Bekkelund", "Fossum", "Hagen", "Hovde", "Knutsen", "Kristiansen",
    "Mustafa", "Nguyen", "Khan", "Hussain", "Kowalski", "Nowak", "Andersson", "Johansson",
)

# (postcode, town, region) — region steers which controllers a person is likely to meet.
PLACES = (
    ("4006", "Stavanger", "stavanger"), ("4009", "Stavanger", "stavanger"),
    ("4010", "Stavanger", "stavanger"), ("4014", "Stavanger", "stavanger"),
    ("4017", "Stavanger", "stavanger"), ("4021", "Stavanger", "stavanger"),
    ("4024", "Stavanger", "stavanger"), ("4031", "Stavanger", "stavanger"),
    ("4046", "Hafrsfjord", "stavanger"), ("4050", "Sola", "stavanger"),
    ("4306", "Sandnes", "stavanger"), ("4313", "Sandnes", "stavanger"),
    ("4319", "Sandnes", "stavanger"), ("4340", "Bryne", "stavanger"),
    ("4070", "Randaberg", "stavanger"), ("4100", "Jørpeland", "stavanger"),
    ("2815", "Gjøvik", "gjovik"), ("2817", "Gjøvik", "gjovik"), ("2819", "Gjøvik", "gjovik"),
    ("2821", "Gjøvik", "gjovik"), ("2822", "Bybrua", "gjovik"), ("2830", "Raufoss", "gjovik"),
    ("2850", "Lena", "gjovik"), ("2840", "Reinsvoll", "gjovik"), ("2609", "Lillehammer", "gjovik"),
    ("2317", "Hamar", "gjovik"),
    ("0150", "Oslo", "other"), ("0171", "Oslo", "other"), ("0260", "Oslo", "other"),
    ("0353", "Oslo", "other"), ("0468", "Oslo", "other"), ("0556", "Oslo", "other"),
    ("5003", "Bergen", "other"), ("5015", "Bergen", "other"), ("7010", "Trondheim", "other"),
    ("7030", "Trondheim", "other"), ("9008", "Tromsø", "other"), ("4608", "Kristiansand", "other"),
    ("3015", "Drammen", "other"), ("1606", "Fredrikstad", "other"),
)

STREET_STEMS = (
    "Kirke", "Skole", "Stasjon", "Stor", "Lille", "Hauge", "Bakke", "Solheim", "Berg", "Eike",
    "Bjørke", "Furu", "Sjø", "Strand", "Havne", "Torg", "Mølle", "Kongs", "Dronning", "Prinsens",
    "Løkke", "Vår", "Sommer", "Rogne", "Hassel", "Lind", "Kvernhus", "Fjord", "Nord", "Sør",
    "Øster", "Vester", "Tårn", "Hage", "Åker", "Myr", "Bekke", "Fjell", "Skog", "Engel",
)
STREET_SUFFIXES = ("gata", "gate", "veien", "vegen", "bakken", "stien", "kroken", "lia", "tunet")

DOMAINS = (
    "example.no", "example.no", "example.no", "example.com", "example.com", "example.net",
    "example.org", "epost.example.no", "online.example.no", "post.example.com",
)
"""Personal mail domains. Only example.* (reserved, never delivered to a real inbox) and
subdomains of it; they pass ``email_validator`` without a deliverability check."""


@dataclass(frozen=True)
class NamePool:
    female: tuple[str, ...]
    male: tuple[str, ...]
    last: tuple[str, ...]


@cache
def name_pool() -> NamePool:
    """Faker's ``nb_NO`` names plus the extras above, de-duplicated, in a stable order."""
    from faker.providers.person.no_NO import Provider

    def merged(*lists: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name for names in lists for name in names))

    return NamePool(
        female=merged(tuple(Provider.first_names_female), EXTRA_FEMALE),
        male=merged(tuple(Provider.first_names_male), EXTRA_MALE),
        last=merged(tuple(Provider.last_names), EXTRA_LAST),
    )
