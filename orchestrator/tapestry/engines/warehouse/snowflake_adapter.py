"""Snowflake adapter (snowflake-connector-python, key-pair auth): the warehouse of the cloud target.

Statements use `?` placeholders like every Tapestry SQL; they are sent with the connector's client-side
pyformat binding. Service users authenticate with an RSA key pair only; the private key arrives from the
secret store at run time and is never written anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tapestry.core.errors import WarehouseError, first_line
from tapestry.core.warehouse import Dialect, Row

_PLACEHOLDER = re.compile(r"\?")
INSERT_CHUNK_ROWS = 1_000  # keeps each statement well under Snowflake's 1 MB text limit


@dataclass(frozen=True)
class SnowflakeSettings:
    account: str
    user: str
    role: str
    warehouse: str
    database: str
    schema: str | None = None
    private_key_pem: str | None = field(default=None, repr=False)  # secret: never printed
    private_key_passphrase: str | None = field(default=None, repr=False)
    # For private links and tests (fakesnow's server); empty means Snowflake's public endpoint.
    host: str | None = None
    port: int | None = None
    protocol: str | None = None
    network_timeout: int = 60  # an unanswered statement fails instead of being retried forever
    login_timeout: int = 60

    def connect_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "account": self.account,
            "user": self.user,
            "role": self.role,
            "warehouse": self.warehouse,
            "database": self.database,
            "network_timeout": self.network_timeout,
            "login_timeout": self.login_timeout,
            "paramstyle": "pyformat",
            "application": "tapestry",
        }
        if self.schema:
            kwargs["schema"] = self.schema
        if self.private_key_pem:
            kwargs["private_key"] = private_key_der(self.private_key_pem, self.private_key_passphrase)
        for key in ("host", "port", "protocol"):
            if getattr(self, key):
                kwargs[key] = getattr(self, key)
        return kwargs


def private_key_der(pem: str, passphrase: str | None = None) -> bytes:
    """The connector wants the private key as DER bytes."""
    from cryptography.hazmat.primitives import serialization

    try:
        key = serialization.load_pem_private_key(pem.encode(), password=passphrase.encode() if passphrase else None)
    except (ValueError, TypeError) as exc:
        # never include the key material in the message
        raise WarehouseError(
            f"the Snowflake private key cannot be read ({type(exc).__name__})",
            "store the PEM private key (and its passphrase, if encrypted) again",
        ) from None
    return key.private_bytes(
        encoding=serialization.Encoding.DER,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


def _pyformat(sql: str, params: Sequence[Any] | None) -> tuple[str, Sequence[Any] | None]:
    if not params:
        return sql, None
    return _PLACEHOLDER.sub("%s", sql.replace("%", "%%")), list(params)


class SnowflakeWarehouse:
    dialect: Dialect = "snowflake"

    def __init__(self, settings: SnowflakeSettings, connection: Any = None) -> None:
        self.settings = settings
        if connection is not None:
            self._con = connection
        else:
            import snowflake.connector

            try:
                self._con = snowflake.connector.connect(**settings.connect_kwargs())
            except snowflake.connector.errors.Error as exc:
                raise WarehouseError(
                    f"cannot log in to Snowflake account {settings.account} as {settings.user}: {first_line(exc, 300)}",
                    "check the account identifier, the user's public key and its role (tapestry doctor)",
                ) from None
        self._in_transaction = False

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        with self._con.cursor() as cursor:
            cursor.execute(*_pyformat(sql, params))

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        with self._con.cursor() as cursor:
            cursor.execute(*_pyformat(sql, params))
            return [tuple(r) for r in cursor.fetchall()]

    def show(self, sql: str) -> list[dict[str, Any]]:
        """Rows of a SHOW statement keyed by its lower-case column names (SHOW's columns vary by command)."""
        with self._con.cursor() as cursor:
            cursor.execute(sql)
            names = [str(col[0]).lower() for col in cursor.description or []]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def query_batches(
        self, sql: str, params: Sequence[Any] | None = None, batch_size: int = 10_000
    ) -> Iterator[list[Row]]:
        with self._con.cursor() as cursor:
            cursor.execute(*_pyformat(sql, params))
            while rows := cursor.fetchmany(batch_size):
                yield [tuple(r) for r in rows]

    def columns(self, sql: str, params: Sequence[Any] | None = None) -> list[str]:
        with self._con.cursor() as cursor:
            cursor.execute(*_pyformat(f"select * from ({sql}) limit 0", params))
            return [str(col[0]).lower() for col in cursor.description or []]

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Multi-row INSERT ... VALUES in chunks: one round trip per chunk instead of per row."""
        if not rows:
            return
        row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
        prefix = f"insert into {table} ({', '.join(columns)}) values "
        with self._con.cursor() as cursor:
            for start in range(0, len(rows), INSERT_CHUNK_ROWS):
                chunk = rows[start : start + INSERT_CHUNK_ROWS]
                params = [value for row in chunk for value in row]
                cursor.execute(prefix + ", ".join([row_sql] * len(chunk)), params)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._in_transaction:
            yield
            return
        self.execute("begin")
        self._in_transaction = True
        try:
            yield
        except BaseException:
            self.execute("rollback")
            raise
        else:
            self.execute("commit")
        finally:
            self._in_transaction = False

    def table_exists(self, schema: str, table: str) -> bool:
        rows = self.query(
            "select count(*) from information_schema.tables where upper(table_schema) = upper(?) "
            "and upper(table_name) = upper(?)",
            [schema, table],
        )
        return bool(rows[0][0])

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> SnowflakeWarehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
