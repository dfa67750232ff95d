"""A wrong configuration is refused with the file, the key and what is wrong."""

from __future__ import annotations

import pytest

from dsar.config import load_configuration
from dsar.errors import ConfigError

GOOD = """
[controller]
id = "shop"
name = "Butikken AS"
org_nr = "986 724 397"
address = ["Gata 1", "4005 Stavanger"]
email = "post@example.no"
responsible = { nb = "Daglig leder", en = "Managing director" }
promised_days = 30
languages = ["nb", "en"]

[systems.web]
title = { nb = "Nettbutikk", en = "Web shop" }
connector = "sql"
connection = { url = "sqlite:///{workspace}/shop.db" }

[systems.web.register]
purposes = [{ nb = "Kjøp", en = "Purchases" }]
legal_basis = [{ nb = "Avtale", en = "Contract" }]
categories = [{ nb = "Navn", en = "Name" }]
recipients = []
retention = { nb = "Til kontoen lukkes", en = "Until the account is closed" }
sources = []
transfers = []
profiling = false
automated_decisions = false

[systems.web.collections.customers]
title = { nb = "Kunder", en = "Customers" }
table = "customers"
key = "id"
identities = [{ type = "email", column = "email" }]
"""


def write(ws, text):
    (ws / "config" / "controllers" / "shop.toml").write_text(text, encoding="utf-8")
    return ws / "config"


def test_good_configuration_loads(tmp_workspace):
    config = load_configuration(write(tmp_workspace, GOOD))
    system = config.controller("shop").systems["web"]
    assert system.processing.retention.get("en") == "Until the account is closed"
    assert config.controller("shop").controller.org_nr == "986724397"


@pytest.mark.parametrize(
    "change, key, problem",
    [
        (('table = "customers"', 'tabel = "customers"'), "systems.web.collections.customers.tabel", "unknown key"),
        (('org_nr = "986 724 397"', 'org_nr = "123"'), "controller.org_nr", "organisation number"),
        (('email = "post@example.no"', 'email = "post"'), "controller.email", "e-mail"),
        (("retention = { nb = \"Til kontoen lukkes\", en = \"Until the account is closed\" }\n", ""),
         "systems.web.register.retention", "required"),
        (('identities = [{ type = "email", column = "email" }]', 'identities = []'),
         "systems.web", "can't be searched"),
        (('url = "sqlite:///{workspace}/shop.db"', 'url = "postgresql://u:hunter2@db/x"'),
         "systems.web.connection", "password"),
        (('purposes = [{ nb = "Kjøp", en = "Purchases" }]', 'purposes = ["Kjøp"]'),
         "systems.web.register.purposes[0]", "English text missing"),
        (('connector = "sql"', 'connector = "ftp"'), "systems.web.connector", "sql"),
        # An e-mail as key would sit in clear in the request store's review list.
        (('key = "id"', 'key = "email"'), "systems.web.collections.customers", "identity field"),
    ],
)
def test_wrong_configuration_names_file_key_and_problem(tmp_workspace, change, key, problem):
    config_dir = write(tmp_workspace, GOOD.replace(*change))
    with pytest.raises(ConfigError) as err:
        load_configuration(config_dir)
    assert err.value.file.endswith("shop.toml")
    assert err.value.key.startswith(key), err.value
    assert problem in err.value.problem, err.value
    assert "hunter2" not in str(err.value)


def test_broken_toml(tmp_workspace):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_configuration(write(tmp_workspace, GOOD + "\n[[[ broken"))


def test_unknown_controller_lists_known(tmp_workspace):
    config = load_configuration(write(tmp_workspace, GOOD))
    with pytest.raises(Exception, match="ukjent virksomhet 'nope'.*shop"):
        config.controller("nope")


def test_readme_lists_every_identity_type_the_configuration_accepts():
    """A customer configures from README: every ``type`` an identity may have is explained there."""
    from pathlib import Path
    from typing import get_args

    from dsar.config.models import IdentityType

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("A collection's `identities`", 1)[1].split("A wrong file is refused", 1)[0]
    listed = {t for line in section.splitlines() if line.startswith("- ") for t in line[2:].split(" — ")[0].split("`")[1::2]}
    assert listed == set(get_args(IdentityType))
    national = section.split("- `national_id`", 1)[1]
    assert "birth date it encodes" in national and "excludes the record" in national
    assert "Never used to look records up" in national
