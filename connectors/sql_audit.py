"""What ``SqlConnector.audit_schema`` reports: lookups no index serves, collations that
miss differently written e-mails, and columns the configuration doesn't explain.

Nothing here stops a search; each warning names the configuration key and the statement or
setting that fixes it. Indexes are compared by their leading column or expression, read from
each database's catalogue (SQLAlchemy doesn't reflect SQLite's expression indexes), in one
normalised spelling (``_normal``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import sqlalchemy as sa

from connectors.base import config_key, looked_up_fields, unexplained_warning
from connectors.sql_expressions import expression_sql, folded, index_statement, phone_digits

if TYPE_CHECKING:
    from connectors.sql import SqlCollection as Collection
    from connectors.sql import SqlSystem as System


def audit_schema(system: System, conn: sa.Connection) -> list[str]:
    """Warnings for every collection whose table exists (missing ones are ``check``'s)."""
    warnings: list[str] = []
    inspector = sa.inspect(conn)
    for collection in system.collections.values():
        table, schema = str(collection.table), collection.schema_
        if not inspector.has_table(table, schema=schema):
            continue
        columns = [c["name"] for c in inspector.get_columns(table, schema=schema)]
        leads = _index_leads(conn, inspector, table, schema)
        for column, kind in looked_up_fields(system, collection):
            if column in columns:
                warnings.extend(_index_warnings(system, conn, collection, column, kind, leads))
        helpers = {i.digits_column for i in collection.identities_of("phone") if i.digits_column}
        warning = unexplained_warning(system, collection, [c for c in columns if c not in helpers])
        if warning:
            warnings.append(warning)
    return warnings


def _index_warnings(
    system: System,
    conn: sa.Connection,
    collection: Collection,
    column: str,
    kind: str,
    leads: set[str],
) -> list[str]:
    """A warning (with the statement that fixes it) when no index serves the lookup ``find``
    runs on ``column``: the expression ``connectors.sql_expressions`` compares, or the column."""
    dialect = conn.dialect
    where = f"{config_key(system, collection)} (tabellen {collection.table!r})"
    statement = index_statement(str(collection.table), column, kind, dialect)
    column_of = {"email": "e-postkolonnen", "phone": "telefonkolonnen", "name": "navnekolonnen",
                 "surname": "etternavnskolonnen"}.get(kind, "kolonnen")
    lookup = {"email": "e-postoppslag", "phone": "telefonoppslag", "name": "navneoppslag",
              "surname": "etternavnsoppslag"}.get(kind, "referanseoppslag")
    warnings = []
    if kind == "phone" and dialect.name in ("mysql", "mariadb"):
        digits = next((i.digits_column for i in collection.identities_of("phone") if i.column == column), None)
        if digits is None or _normal(digits) not in leads:
            warnings.append(
                f"{where}: telefonkolonnen {column!r} har ingen indeksert sifferkolonne, så hvert oppslag "
                f"leser hele tabellen (og hver skrivemåte av nummeret); {statement}"
            )
        return warnings
    if kind in ("email", "name", "surname", "phone") and dialect.name in ("sqlite", "postgresql"):
        col = sa.column(column)
        expr = phone_digits(col, dialect.name) if kind == "phone" else folded(col, dialect.name)
        if _normal(expression_sql(expr, dialect)) not in leads:
            warnings.append(
                f"{where}: {column_of} {column!r} har ingen indeks på uttrykket oppslagene sammenligner, "
                f"så hvert oppslag leser hele tabellen; {statement}"
            )
        return warnings
    if _normal(column) not in leads:
        warnings.append(
            f"{where}: kolonnen {column!r} ({lookup}) har ingen indeks som begynner med den, så "
            f"hvert oppslag leser hele tabellen; {statement}"
        )
    if kind == "email" and dialect.name in ("mysql", "mariadb"):
        collation = _mysql_collation(conn, str(collection.table), collection.schema_, column)
        if collation and not _case_insensitive_pad_space(collation):
            warnings.append(
                f"{where}: e-postkolonnen {column!r} bruker sorteringsrekkefølgen {collation!r}; oppslagene "
                "trenger en som ikke skiller store og små bokstaver og er PAD SPACE (f.eks. "
                "utf8mb4_unicode_ci) for å finne adresser skrevet på andre måter"
            )
    return warnings


# -- indexes -------------------------------------------------------------------------------------


def _normal(expression: str) -> str:
    """An index expression in a comparable spelling: ``LOWER(TRIM(BOTH FROM "email"::text))``
    and ``lower(trim(email))`` both become ``lower(trim(email))``."""
    text = re.sub(r'["`\[\]\s]', "", expression.lower())
    text = re.sub(r"::(text|charactervarying|varchar|bpchar)\b", "", text)
    return text.replace("trim(bothfrom", "trim(").replace("btrim(", "trim(")


def _index_leads(
    conn: sa.Connection, inspector: sa.Inspector, table: str, schema: str | None
) -> set[str]:
    """The first column or expression of every index and key of ``table``, normalised.

    An index serves a lookup on its leading column only; expression indexes (which
    SQLAlchemy doesn't reflect on SQLite) are read from the catalogue.
    """
    leads: set[str] = set()
    pk = inspector.get_pk_constraint(table, schema=schema).get("constrained_columns") or []
    if pk:
        leads.add(_normal(pk[0]))
    dialect = conn.dialect.name
    if dialect == "sqlite":
        leads |= _sqlite_index_leads(conn, table, schema)
    elif dialect == "postgresql":
        rows = conn.execute(
            sa.text(
                "SELECT pg_get_indexdef(i.indexrelid, 1, true) FROM pg_index i "
                "WHERE i.indrelid = to_regclass(format('%I.%I', "
                "coalesce(CAST(:schema AS text), current_schema()), CAST(:table AS text)))"
            ),
            {"schema": schema, "table": table},
        )
        leads |= {_normal(str(r[0])) for r in rows}
    else:
        for index in inspector.get_indexes(table, schema=schema):
            names = index.get("column_names") or []
            expressions = index.get("expressions") or []
            first = names[0] if names and names[0] else (expressions[0] if expressions else None)
            if first:
                leads.add(_normal(str(first)))
        for unique in inspector.get_unique_constraints(table, schema=schema):
            if unique.get("column_names"):
                leads.add(_normal(unique["column_names"][0]))
    return leads


def _sqlite_index_leads(conn: sa.Connection, table: str, schema: str | None) -> set[str]:
    prefix = f'"{schema}".' if schema else ""
    quoted = table.replace('"', '""')
    leads: set[str] = set()
    for index in conn.exec_driver_sql(f'PRAGMA {prefix}index_list("{quoted}")').fetchall():
        name = str(index[1])
        info = conn.exec_driver_sql(
            f'PRAGMA {prefix}index_info("{name.replace(chr(34), chr(34) * 2)}")'
        ).fetchall()
        first = next((row for row in info if row[0] == 0), None)
        if first is not None and first[2] is not None:
            leads.add(_normal(str(first[2])))
            continue
        sql = conn.exec_driver_sql(
            f"SELECT sql FROM {prefix}sqlite_master WHERE type = 'index' AND name = ?", (name,)
        ).scalar()
        expression = _first_indexed_expression(str(sql or ""))
        if expression:
            leads.add(_normal(expression))
    return leads


def _first_indexed_expression(create_sql: str) -> str | None:
    """``CREATE INDEX i ON t (lower(trim(email)), x)`` → ``lower(trim(email))``."""
    match = re.search(r"\bON\s+\S+?\s*\(", create_sql, re.IGNORECASE)
    if not match:
        return None
    depth, start, quoted = 0, match.end(), False
    for position in range(start, len(create_sql)):
        char = create_sql[position]
        if char == "'":
            quoted = not quoted  # '' inside a literal toggles twice: still inside
            continue
        if quoted:
            continue
        if char == "(":
            depth += 1
        elif char == ")" and depth > 0:
            depth -= 1
        elif char in ",)" and depth == 0:
            return create_sql[start:position].strip()
    return None


# -- collations ----------------------------------------------------------------------------------


def _mysql_collation(
    conn: sa.Connection, table: str, schema: str | None, column: str
) -> str | None:
    value = conn.execute(
        sa.text(
            "SELECT COLLATION_NAME FROM information_schema.COLUMNS "
            "WHERE TABLE_SCHEMA = coalesce(:schema, DATABASE()) AND TABLE_NAME = :table "
            "AND COLUMN_NAME = :column"
        ),
        {"schema": schema, "table": table, "column": column},
    ).scalar()
    return str(value) if value else None


def _case_insensitive_pad_space(collation: str) -> bool:
    name = collation.lower()
    # MariaDB marks NO PAD collations "nopad"; MySQL 8's UCA 9.0.0 ("0900") ones are NO PAD.
    return name.endswith("_ci") and "nopad" not in name and "_0900_" not in name
