"""The normalised expressions SQL lookups compare, and the indexes that serve them.

One place, so the lookup (``connectors.sql``), the advice ``dsar check`` gives
(``connectors.sql_audit``) and the schemas the tests and the sample world create agree to the
letter: a database uses an expression index only when the query spells the expression the
same way, constants included — which is why constants here are literals, never bound
parameters.

==========  ====================================  =============================================
kind        SQLite / PostgreSQL                   MariaDB / MySQL
==========  ====================================  =============================================
email       ``lower(trim(col))``                  ``col`` (``_ci`` collation, PAD SPACE)
phone       ``col`` with every non-digit removed   ``REGEXP_REPLACE(col, '[^0-9]', '')``, or a
                                                  generated ``digits_column`` with an index
name        ``lower(trim(col))``                  ``col``
==========  ====================================  =============================================
"""

from __future__ import annotations

import sqlalchemy as sa

# Characters people and systems put between a phone number's digits. SQLite has no regular
# expressions, so each is removed in turn; the index must be built on exactly this.
_SQLITE_PHONE_JUNK = (" ", "-", "(", ")", "+", ".", "/")


def _lit(text: str) -> sa.ColumnElement[str]:
    return sa.literal_column("'" + text.replace("'", "''") + "'")


def folded(column: sa.ColumnElement, dialect: str) -> sa.ColumnElement:
    """A text column as e-mail and name lookups compare it."""
    if dialect in ("mysql", "mariadb"):
        return column  # the _ci collation folds case; PAD SPACE ignores trailing blanks
    return sa.func.lower(sa.func.trim(column))


def phone_digits(column: sa.ColumnElement, dialect: str, *, text: bool = True) -> sa.ColumnElement:
    """A phone column with every character but digits removed."""
    if dialect == "sqlite":
        expr: sa.ColumnElement = column
        for junk in _SQLITE_PHONE_JUNK:
            expr = sa.func.replace(expr, _lit(junk), _lit(""))
        return sa.func.replace(expr, sa.literal_column("char(160)"), _lit(""))
    if dialect == "postgresql":
        source = column if text else sa.cast(column, sa.Text)
        return sa.func.regexp_replace(source, _lit("[^0-9]"), _lit(""), _lit("g"))
    return sa.func.regexp_replace(column, _lit("[^0-9]"), _lit(""))


def expression_sql(expr: sa.ColumnElement, dialect: sa.Dialect) -> str:
    """An expression as the database will see it in a statement or an index."""
    return str(expr.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def index_statement(table: str, column: str, kind: str, dialect: sa.Dialect, *, text: bool = True) -> str:
    """The statement that makes lookups of ``kind`` on ``table.column`` use an index."""
    name = f"ix_{table}_{column}_{'digits' if kind == 'phone' else 'lookup'}"[:63]
    col = sa.column(column)
    if dialect.name in ("mysql", "mariadb"):
        if kind == "phone":
            digits = f"{column}_digits"
            return (
                f"ALTER TABLE {table} ADD COLUMN {digits} VARCHAR(32) AS "
                f"(REGEXP_REPLACE({column}, '[^0-9]', '')) PERSISTENT, ADD INDEX {name} ({digits}); "
                f"then set digits_column = \"{digits}\" on the phone identity"
            )
        return f"CREATE INDEX {name} ON {table} ({column})"
    expr = phone_digits(col, dialect.name, text=text) if kind == "phone" else folded(col, dialect.name)
    if kind == "exact":
        return f"CREATE INDEX {name} ON {table} ({column})"
    if dialect.name == "postgresql":  # PostgreSQL wants an expression in its own parentheses
        return f"CREATE INDEX {name} ON {table} (({expression_sql(expr, dialect)}))"
    return f"CREATE INDEX {name} ON {table} ({expression_sql(expr, dialect)})"
