"""The Snowflake objects Tapestry needs, by name, and the grants between them.

One typed description serves four consumers, so they can never disagree on a name:

- `terraform/modules/snowflake` creates the same objects (its variables mirror the fields here; see `tfvars()`),
- `render_sql()` writes the equivalent SQL script for a DBA who prefers to run SQL (`tapestry snowflake-sql`),
- the Snowflake adapter, the dbt profile and Airbyte's destination take their names from `SnowflakeObjects`,
- `verification_sql()` + `missing_objects()` check objects a user created themselves ("use existing objects").

Object model (``P`` = prefix, upper-cased; every name can be overridden)::

    warehouse  P_WH             XSMALL, auto-suspend 60 s, auto-resume, created suspended
    database   P_RAW            one schema per source             (Airbyte lands raw streams here: the
                                (its name, upper-cased)           source's name is its namespace)
    database   P_ANALYTICS      schemas ANALYTICS, MARTS          (dbt; the sync reads MARTS)
                                schema  TAPESTRY_SYNC             (sync engine state)
    roles      P_LOADER         Airbyte: writes RAW
               P_TRANSFORMER    dbt: reads RAW, owns P_ANALYTICS and its ANALYTICS and MARTS schemas
               P_SYNCER         sync: reads MARTS, owns TAPESTRY_SYNC
    users      P_AIRBYTE → P_LOADER, P_DBT → P_TRANSFORMER, P_SYNC → P_SYNCER   (TYPE = SERVICE, key-pair only)
    monitor    P_MONITOR        optional credit cap on P_WH (ACCOUNTADMIN creates and assigns it)

Every role is granted to SYSADMIN, so the administrators keep control of everything the roles own.

Pure Python: no connection, no third-party import.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal

#: Module version this description is equivalent to (terraform/modules/snowflake/CHANGELOG.md).
MODULE_VERSION = "3.0.0"

DEFAULT_PREFIX = "TAPESTRY"
DEFAULT_COMMENT = "Tapestry user-data pipeline (managed by Tapestry)"
PARENT_ROLE = "SYSADMIN"
#: Role that creates the warehouse, databases and schemas (so SYSADMIN owns what no Tapestry role owns).
OBJECT_ADMIN_ROLE = "SYSADMIN"
#: Role that creates roles and users and manages grants (CREATE ROLE/USER via USERADMIN, MANAGE GRANTS).
SECURITY_ADMIN_ROLE = "SECURITYADMIN"
#: The only role that may create a resource monitor or assign one to a warehouse.
ACCOUNT_ADMIN_ROLE = "ACCOUNTADMIN"

#: Raw schema names the Terraform module cannot take: it keys every schema by its lower-cased name, and these
#: keys are its analytics, marts and sync schemas (`local.schemas`). Tapestry reserves them as source names.
RAW_SCHEMA_KEYS_TAKEN = frozenset({"ANALYTICS", "MARTS", "SYNC"})

PREFIX_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,200}$")
IDENTIFIER_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,254}$")
COMMENT_MAX_LENGTH = 256

WAREHOUSE_SIZES = (
    "XSMALL",
    "SMALL",
    "MEDIUM",
    "LARGE",
    "XLARGE",
    "XXLARGE",
    "XXXLARGE",
    "X4LARGE",
    "X5LARGE",
    "X6LARGE",
)
WAREHOUSE_TYPE = "STANDARD"
WAREHOUSE_AUTO_RESUME = True
WAREHOUSE_INITIALLY_SUSPENDED = True
AUTO_SUSPEND_RANGE = (60, 86_400)

MONITOR_FREQUENCIES = ("MONTHLY", "DAILY", "WEEKLY", "YEARLY", "NEVER")
CREDIT_QUOTA_RANGE = (1, 1_000_000)
TRIGGER_RANGE = (1, 1_000)  # percent of the quota; Snowflake accepts values over 100
START_TIMESTAMP_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?$")

#: Snowflake's reserved keywords (docs.snowflake.com/en/sql-reference/reserved-keywords). An unquoted identifier
#: may not be one of them; the Terraform module rejects the same list (`local.reserved_keywords`).
RESERVED_KEYWORDS = frozenset(
    """
    ACCOUNT ALL ALTER AND ANY AS BETWEEN BY CASE CAST CHECK COLUMN CONNECT CONNECTION CONSTRAINT CREATE CROSS
    CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER DATABASE DELETE DISTINCT DROP ELSE EXISTS
    FALSE FOLLOWING FOR FROM FULL GRANT GROUP GSCLUSTER HAVING ILIKE IN INCREMENT INNER INSERT INTERSECT INTO IS
    ISSUE JOIN LATERAL LEFT LIKE LOCALTIME LOCALTIMESTAMP MINUS NATURAL NOT NULL OF ON OR ORDER ORGANIZATION
    QUALIFY REGEXP REVOKE RIGHT RLIKE ROW ROWS SAMPLE SCHEMA SELECT SET SOME START TABLE TABLESAMPLE THEN TO
    TRIGGER TRUE TRY_CAST UNION UNIQUE UPDATE USING VALUES VIEW WHEN WHENEVER WHERE WINDOW WITH
    """.split()  # noqa: SIM905 (the documented list, kept readable)
)

UserKey = Literal["airbyte", "dbt", "sync"]
RoleKey = Literal["loader", "transformer", "syncer"]
ObjectKind = Literal["TABLE", "VIEW"]
_READABLE: tuple[ObjectKind, ...] = ("TABLE", "VIEW")


class SnowflakeNameError(ValueError):
    """A name, size or comment is not acceptable; `field` names the `SnowflakeObjects` field."""

    def __init__(self, field_name: str, value: object, reason: str) -> None:
        super().__init__(f"{field_name}={value!r}: {reason}")
        self.field = field_name
        self.value = value
        self.reason = reason


class PublicKeyError(ValueError):
    """A public key is not an RSA public key Snowflake accepts; `user` names the service user."""

    def __init__(self, user: str, reason: str) -> None:
        super().__init__(f"public key for {user}: {reason}")
        self.user = user
        self.reason = reason


def identifier_problem(value: str, *, prefix: bool = False) -> str | None:
    """Why `value` is not an unquoted Snowflake identifier we accept, or None when it is."""
    pattern = PREFIX_PATTERN if prefix else IDENTIFIER_PATTERN
    limit = 201 if prefix else 255
    if not value:
        return "it is empty"
    if not pattern.match(value):
        return (
            f"it must start with a letter or _ and contain only letters, digits, _ and $ (at most {limit} characters)"
        )
    if value.upper() in RESERVED_KEYWORDS:
        return f"{value.upper()} is a reserved Snowflake keyword"
    return None


def quote_literal(value: str) -> str:
    """A Snowflake single-quoted string literal. Backslash is Snowflake's escape character, so it is doubled too."""
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise ValueError("control characters (including newlines) are not allowed in a string literal here")
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


# --------------------------------------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServiceUser:
    """A TYPE = SERVICE user: key-pair login only, one role, the Tapestry warehouse."""

    key: UserKey
    name: str
    role: str
    role_key: RoleKey
    purpose: str


@dataclass(frozen=True, slots=True)
class RoleGrant:
    """`GRANT ROLE role TO ROLE|USER grantee`."""

    role: str
    grantee_type: Literal["ROLE", "USER"]
    grantee: str

    def sql(self) -> str:
        return f"GRANT ROLE {self.role} TO {self.grantee_type} {self.grantee};"


@dataclass(frozen=True, slots=True)
class Grant:
    """Privileges on one object, or on all / future tables or views of a schema, to one role.

    `object_type` is WAREHOUSE, DATABASE or SCHEMA for a grant on that object; TABLE or VIEW with `on_all` or
    `on_future`, and then `object_name` is the schema (``DB.SCHEMA``) whose tables/views are meant. Ownership is
    the privilege ``OWNERSHIP`` alone (transferred with COPY CURRENT GRANTS, like the module's `outbound_privileges`).
    """

    role: str
    privileges: tuple[str, ...]
    object_type: Literal["WAREHOUSE", "DATABASE", "SCHEMA", "TABLE", "VIEW"]
    object_name: str
    on_all: bool = False
    on_future: bool = False
    reason: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "privileges", tuple(sorted({p.upper() for p in self.privileges})))
        if self.on_all and self.on_future:
            raise ValueError("a grant is on all objects or on future objects, not both")
        if (self.on_all or self.on_future) != (self.object_type in {"TABLE", "VIEW"}):
            raise ValueError("TABLE/VIEW grants must be on all or future objects of a schema")
        if self.ownership and len(self.privileges) != 1:
            raise ValueError("OWNERSHIP is granted alone")

    @property
    def ownership(self) -> bool:
        return "OWNERSHIP" in self.privileges

    @property
    def scope(self) -> Literal["object", "all", "future"]:
        return "all" if self.on_all else "future" if self.on_future else "object"

    def atoms(self) -> set[tuple[str, str, str, str, str]]:
        """One (role, privilege, object type, object name, scope) tuple per privilege: for comparisons."""
        return {(self.role, p, self.object_type, self.object_name, self.scope) for p in self.privileges}

    def sql(self) -> str:
        privileges = ", ".join(self.privileges)
        if self.on_all or self.on_future:
            which = "ALL" if self.on_all else "FUTURE"
            target = f"{which} {self.object_type}S IN SCHEMA {self.object_name}"
        else:
            target = f"{self.object_type} {self.object_name}"
        suffix = " COPY CURRENT GRANTS" if self.ownership else ""
        return f"GRANT {privileges} ON {target} TO ROLE {self.role}{suffix};"


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class ResourceMonitor:
    """A credit cap on the warehouse: `credit_quota` credits per interval, with e-mail and suspend triggers.

    The interval is the calendar month unless `frequency` and `start_timestamp` ("YYYY-MM-DD[ HH:MM]", UTC) are
    both set. Triggers are percentages of the quota: `notify_triggers` e-mail `notify_users` (and account
    administrators who enabled notifications), `suspend_trigger` suspends the warehouse once running queries
    finish, `suspend_immediate_trigger` cancels them too. Mirrors the module's `resource_monitor` variable.

    >>> ResourceMonitor(20).describe()
    '20 credits per calendar month; e-mails at 75 and 90 %, suspends at 100 %, cancels queries at 110 %'
    """

    credit_quota: int
    frequency: str | None = None
    start_timestamp: str | None = None
    notify_triggers: tuple[int, ...] = (75, 90)
    suspend_trigger: int = 100
    suspend_immediate_trigger: int = 110
    notify_users: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        low, high = CREDIT_QUOTA_RANGE
        if not _whole(self.credit_quota) or not low <= self.credit_quota <= high:
            raise SnowflakeNameError(
                "resource_monitor.credit_quota",
                self.credit_quota,
                f"use a whole number of credits from {low} to {high}",
            )
        if (self.frequency is None) != (self.start_timestamp is None):
            raise SnowflakeNameError(
                "resource_monitor.frequency",
                self.frequency,
                "frequency and start_timestamp go together: set both (e.g. MONTHLY from '2027-01-01 00:00') or "
                "neither (the quota then resets at the start of each calendar month)",
            )
        if self.frequency is not None:
            frequency = self.frequency.upper()
            if frequency not in MONITOR_FREQUENCIES:
                raise SnowflakeNameError(
                    "resource_monitor.frequency", self.frequency, f"use one of {', '.join(MONITOR_FREQUENCIES)}"
                )
            object.__setattr__(self, "frequency", frequency)
        if self.start_timestamp is not None and not START_TIMESTAMP_PATTERN.match(self.start_timestamp):
            raise SnowflakeNameError(
                "resource_monitor.start_timestamp", self.start_timestamp, "use 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM' (UTC)"
            )
        notify = tuple(sorted(set(self.notify_triggers)))
        low, high = TRIGGER_RANGE
        for name, values in (
            ("notify_triggers", notify),
            ("suspend_trigger", (self.suspend_trigger,)),
            ("suspend_immediate_trigger", (self.suspend_immediate_trigger,)),
        ):
            for value in values:
                if not _whole(value) or not low <= value <= high:
                    raise SnowflakeNameError(
                        f"resource_monitor.{name}", value, f"use a whole percentage of the quota from {low} to {high}"
                    )
        if self.suspend_trigger > self.suspend_immediate_trigger:
            raise SnowflakeNameError(
                "resource_monitor.suspend_trigger",
                self.suspend_trigger,
                f"must not be above suspend_immediate_trigger ({self.suspend_immediate_trigger}): suspend first, "
                "cancel running queries later",
            )
        object.__setattr__(self, "notify_triggers", notify)
        users = []
        for user in self.notify_users:
            problem = identifier_problem(user)
            if problem:
                raise SnowflakeNameError("resource_monitor.notify_users", user, problem)
            users.append(user.upper())
        object.__setattr__(self, "notify_users", tuple(sorted(set(users))))

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> ResourceMonitor:
        """From the module variable's shape (a dict; None or missing keys take the defaults)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise SnowflakeNameError("resource_monitor", ", ".join(unknown), f"unknown setting; use {', '.join(known)}")
        given = {k: v for k, v in values.items() if v is not None}
        for key in ("notify_triggers", "notify_users"):
            if key in given:
                if isinstance(given[key], str) or not isinstance(given[key], Sequence):
                    raise SnowflakeNameError(f"resource_monitor.{key}", given[key], "give a list")
                given[key] = tuple(given[key])
        if "credit_quota" not in given:
            raise SnowflakeNameError("resource_monitor.credit_quota", None, "a resource monitor needs a credit_quota")
        return cls(**given)

    def tfvar(self) -> dict[str, Any]:
        """The module's `resource_monitor` variable."""
        return {
            "credit_quota": self.credit_quota,
            "frequency": self.frequency,
            "start_timestamp": self.start_timestamp,
            "notify_triggers": list(self.notify_triggers),
            "suspend_trigger": self.suspend_trigger,
            "suspend_immediate_trigger": self.suspend_immediate_trigger,
            "notify_users": list(self.notify_users),
        }

    def triggers_sql(self) -> str:
        parts = [f"ON {p} PERCENT DO NOTIFY" for p in self.notify_triggers]
        parts.append(f"ON {self.suspend_trigger} PERCENT DO SUSPEND")
        parts.append(f"ON {self.suspend_immediate_trigger} PERCENT DO SUSPEND_IMMEDIATE")
        return "TRIGGERS " + " ".join(parts)

    def describe(self) -> str:
        """One line for people: 20 credits a month, suspends at 100 %."""
        interval = (
            "calendar month"
            if self.frequency is None
            else f"{self.frequency.lower()} interval from {self.start_timestamp} UTC"
        )
        notify = " and ".join(str(p) for p in self.notify_triggers)
        emails = f"e-mails at {notify} %, " if notify else ""
        return (
            f"{self.credit_quota} credits per {interval}; {emails}suspends at {self.suspend_trigger} %, "
            f"cancels queries at {self.suspend_immediate_trigger} %"
        )


# Field → Terraform variable of terraform/modules/snowflake (the names the module uses).
TFVAR_NAMES: dict[str, str] = {
    "prefix": "prefix",
    "warehouse": "warehouse_name",
    "raw_database": "raw_database_name",
    "analytics_database": "analytics_database_name",
    "raw_schemas": "raw_schema_names",
    "analytics_schema": "analytics_schema_name",
    "marts_schema": "marts_schema_name",
    "sync_schema": "sync_schema_name",
    "loader_role": "loader_role_name",
    "transformer_role": "transformer_role_name",
    "syncer_role": "syncer_role_name",
    "airbyte_user": "airbyte_user_name",
    "dbt_user": "dbt_user_name",
    "sync_user": "sync_user_name",
    "warehouse_size": "warehouse_size",
    "warehouse_auto_suspend": "warehouse_auto_suspend_seconds",
    "comment": "comment",
    "resource_monitor": "resource_monitor",
    "resource_monitor_name": "resource_monitor_name",
}

# Names derived from the prefix when a field is left empty.
_PREFIXED: dict[str, str] = {
    "warehouse": "WH",
    "raw_database": "RAW",
    "analytics_database": "ANALYTICS",
    "loader_role": "LOADER",
    "transformer_role": "TRANSFORMER",
    "syncer_role": "SYNCER",
    "airbyte_user": "AIRBYTE",
    "dbt_user": "DBT",
    "sync_user": "SYNC",
    "resource_monitor_name": "MONITOR",
}
_NAME_FIELDS = (
    "warehouse",
    "raw_database",
    "analytics_database",
    "analytics_schema",
    "marts_schema",
    "sync_schema",
    "loader_role",
    "transformer_role",
    "syncer_role",
    "airbyte_user",
    "dbt_user",
    "sync_user",
    "resource_monitor_name",
)


@dataclass(frozen=True, slots=True)
class SnowflakeObjects:
    """Every Snowflake name Tapestry uses. Empty name fields are derived from `prefix`; all are upper-cased.

    >>> SnowflakeObjects(prefix="acme").warehouse
    'ACME_WH'
    >>> SnowflakeObjects(prefix="acme", warehouse="shared_wh").marts_fqn
    'ACME_ANALYTICS.MARTS'

    Names are validated as unquoted identifiers (letters, digits, _ and $, not a reserved keyword) and upper-cased,
    because Terraform's provider quotes names: a lower-case name there would create a case-sensitive object
    that unquoted SQL (dbt, Airbyte, this script) could not find.
    """

    prefix: str = DEFAULT_PREFIX
    warehouse: str = ""
    raw_database: str = ""
    analytics_database: str = ""
    #: One schema of the raw database per source (its name): where Airbyte lands the source's streams.
    raw_schemas: tuple[str, ...] = ()
    analytics_schema: str = "ANALYTICS"
    marts_schema: str = "MARTS"
    sync_schema: str = "TAPESTRY_SYNC"
    loader_role: str = ""
    transformer_role: str = ""
    syncer_role: str = ""
    airbyte_user: str = ""
    dbt_user: str = ""
    sync_user: str = ""
    warehouse_size: str = "XSMALL"
    warehouse_auto_suspend: int = 60
    comment: str = DEFAULT_COMMENT
    #: Optional credit cap on the warehouse (None: no resource monitor).
    resource_monitor: ResourceMonitor | None = None
    resource_monitor_name: str = ""

    def __post_init__(self) -> None:
        problem = identifier_problem(self.prefix, prefix=True)
        if problem:
            raise SnowflakeNameError("prefix", self.prefix, problem)
        prefix = self.prefix.upper()
        object.__setattr__(self, "prefix", prefix)
        for name in _NAME_FIELDS:
            value = getattr(self, name)
            if value == "" and name in _PREFIXED:
                value = f"{prefix}_{_PREFIXED[name]}"
            problem = identifier_problem(value)
            if problem:
                raise SnowflakeNameError(name, value, problem)
            object.__setattr__(self, name, value.upper())
        if isinstance(self.raw_schemas, str) or not isinstance(self.raw_schemas, Sequence):
            raise SnowflakeNameError("raw_schemas", self.raw_schemas, "give a list of schema names")
        for schema in self.raw_schemas:
            problem = identifier_problem(schema) if isinstance(schema, str) else "it is not a name"
            if problem is None and schema.upper() in RAW_SCHEMA_KEYS_TAKEN:
                problem = f"{', '.join(sorted(RAW_SCHEMA_KEYS_TAKEN))} name the module's own schemas"
            if problem:
                raise SnowflakeNameError("raw_schemas", schema, problem)
        object.__setattr__(self, "raw_schemas", tuple(schema.upper() for schema in self.raw_schemas))
        size = self.warehouse_size.upper()
        if size not in WAREHOUSE_SIZES:
            raise SnowflakeNameError("warehouse_size", self.warehouse_size, f"use one of {', '.join(WAREHOUSE_SIZES)}")
        object.__setattr__(self, "warehouse_size", size)
        low, high = AUTO_SUSPEND_RANGE
        suspend = self.warehouse_auto_suspend
        if isinstance(suspend, bool) or not isinstance(suspend, int) or not low <= suspend <= high:
            raise SnowflakeNameError(
                "warehouse_auto_suspend", self.warehouse_auto_suspend, f"use a number of seconds from {low} to {high}"
            )
        if self.resource_monitor is not None and not isinstance(self.resource_monitor, ResourceMonitor):
            raise SnowflakeNameError("resource_monitor", self.resource_monitor, "give a ResourceMonitor or None")
        if len(self.comment) > COMMENT_MAX_LENGTH or any(ord(c) < 0x20 or ord(c) == 0x7F for c in self.comment):
            raise SnowflakeNameError(
                "comment", self.comment, f"use one line of at most {COMMENT_MAX_LENGTH} characters"
            )
        self._check_unique()

    def _check_unique(self) -> None:
        raw = [("raw_schemas", schema) for schema in self.raw_schemas]
        analytics = [(name, getattr(self, name)) for name in ("analytics_schema", "marts_schema", "sync_schema")]
        kinds = {
            "databases": [(name, getattr(self, name)) for name in ("raw_database", "analytics_database")],
            "roles": [(name, getattr(self, name)) for name in ("loader_role", "transformer_role", "syncer_role")],
            "users": [(name, getattr(self, name)) for name in ("airbyte_user", "dbt_user", "sync_user")],
            f"schemas of {self.raw_database}": raw,
            f"schemas of {self.analytics_database}": analytics,
        }
        if self.raw_database == self.analytics_database:
            kinds["schemas of the one database"] = raw + analytics
        for kind, named in kinds.items():
            seen: dict[str, str] = {}
            for name, value in named:
                if value in seen:
                    raise SnowflakeNameError(name, value, f"{kind} must differ; {seen[value]} has the same name")
                seen[value] = name
        for name, value in raw + analytics:
            if value in {"PUBLIC", "INFORMATION_SCHEMA"}:
                raise SnowflakeNameError(name, value, "PUBLIC and INFORMATION_SCHEMA are reserved")

    # -- constructors ------------------------------------------------------------------------------------------------

    @classmethod
    def from_overrides(cls, prefix: str | None = None, **overrides: Any) -> SnowflakeObjects:
        """Build from a prefix and optional overrides; None (or a missing key) means "use the default".

        `resource_monitor` may be a `ResourceMonitor` or the module variable's mapping."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise TypeError(f"unknown SnowflakeObjects field(s): {', '.join(unknown)}")
        values: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
        if isinstance(values.get("raw_schemas"), list):
            values["raw_schemas"] = tuple(values["raw_schemas"])
        monitor = values.get("resource_monitor")
        if isinstance(monitor, Mapping):
            values["resource_monitor"] = ResourceMonitor.from_mapping(monitor)
        if prefix is not None:
            values["prefix"] = prefix
        return cls(**values)

    # -- names --------------------------------------------------------------------------------------------------------

    @staticmethod
    def fqn(database: str, schema: str) -> str:
        return f"{database}.{schema}"

    @property
    def raw_fqns(self) -> tuple[str, ...]:
        """DATABASE.SCHEMA of each raw schema, in the order of `raw_schemas`."""
        return tuple(self.fqn(self.raw_database, schema) for schema in self.raw_schemas)

    @property
    def analytics_fqn(self) -> str:
        return self.fqn(self.analytics_database, self.analytics_schema)

    @property
    def marts_fqn(self) -> str:
        return self.fqn(self.analytics_database, self.marts_schema)

    @property
    def sync_fqn(self) -> str:
        return self.fqn(self.analytics_database, self.sync_schema)

    @property
    def databases(self) -> tuple[str, str]:
        return (self.raw_database, self.analytics_database)

    @property
    def schemas(self) -> tuple[tuple[str, str], ...]:
        """(database, schema) pairs, in creation order."""
        return (
            *((self.raw_database, schema) for schema in self.raw_schemas),
            (self.analytics_database, self.analytics_schema),
            (self.analytics_database, self.marts_schema),
            (self.analytics_database, self.sync_schema),
        )

    @property
    def roles(self) -> tuple[str, str, str]:
        return (self.loader_role, self.transformer_role, self.syncer_role)

    @property
    def users(self) -> tuple[ServiceUser, ServiceUser, ServiceUser]:
        return (
            ServiceUser("airbyte", self.airbyte_user, self.loader_role, "loader", "Airbyte: loads raw data into RAW"),
            ServiceUser("dbt", self.dbt_user, self.transformer_role, "transformer", "dbt: reads RAW, builds ANALYTICS"),
            ServiceUser(
                "sync", self.sync_user, self.syncer_role, "syncer", "sync engine: reads MARTS, keeps its state"
            ),
        )

    def user(self, key_or_name: str) -> ServiceUser:
        """A service user by key (airbyte, dbt, sync), by its role's key (loader, transformer, syncer) or by
        user name (case-insensitive)."""
        wanted = key_or_name.strip()
        for user in self.users:
            if wanted.lower() in {user.key, user.role_key} or wanted.upper() == user.name:
                return user
        valid = ", ".join(f"{u.name} ({u.key})" for u in self.users)
        raise KeyError(f"no service user {key_or_name!r}; the users are {valid}")

    def names(self) -> dict[str, str | list[str]]:
        """Every name, keyed like the module's outputs (`terraform output` gives the same map)."""
        return {
            "warehouse_name": self.warehouse,
            "raw_database_name": self.raw_database,
            "analytics_database_name": self.analytics_database,
            "raw_schema_names": list(self.raw_schemas),
            "analytics_schema_name": self.analytics_schema,
            "marts_schema_name": self.marts_schema,
            "sync_schema_name": self.sync_schema,
            "raw_schema_fully_qualified_names": list(self.raw_fqns),
            "analytics_schema_fully_qualified_name": self.analytics_fqn,
            "marts_schema_fully_qualified_name": self.marts_fqn,
            "sync_schema_fully_qualified_name": self.sync_fqn,
            "loader_role_name": self.loader_role,
            "transformer_role_name": self.transformer_role,
            "syncer_role_name": self.syncer_role,
            "airbyte_user_name": self.airbyte_user,
            "dbt_user_name": self.dbt_user,
            "sync_user_name": self.sync_user,
        }

    def tfvars(self, public_keys: Mapping[str, str | None] | None = None) -> dict[str, Any]:
        """Variables for terraform/modules/snowflake that create exactly these objects (keys: see `render_sql`)."""
        values: dict[str, Any] = {TFVAR_NAMES[f.name]: getattr(self, f.name) for f in fields(self)}
        values["raw_schema_names"] = list(self.raw_schemas)
        values["resource_monitor"] = self.resource_monitor.tfvar() if self.resource_monitor else None
        keys = normalize_public_keys(self, public_keys or {})
        for user in self.users:
            values[f"{user.key}_user_rsa_public_key"] = keys.get(user.name)
        return values

    # -- grants -------------------------------------------------------------------------------------------------------

    def role_grants(self) -> list[RoleGrant]:
        """Each role to SYSADMIN (administrators keep control), each service user its one role."""
        grants = [RoleGrant(role, "ROLE", PARENT_ROLE) for role in self.roles]
        grants += [RoleGrant(user.role, "USER", user.name) for user in self.users]
        return grants

    def grants(self) -> list[Grant]:
        """Every privilege and ownership grant, each with the reason it is needed."""
        loader, transformer, syncer = self.roles
        grants: list[Grant] = []
        for role, who in ((loader, "Airbyte"), (transformer, "dbt"), (syncer, "the sync")):
            grants.append(
                Grant(
                    role,
                    ("USAGE",),
                    "WAREHOUSE",
                    self.warehouse,
                    reason=f"{who} runs queries (the warehouse resumes on demand)",
                )
            )
        # LOADER: Airbyte creates its tables and internal stages in the raw schemas, and its own AIRBYTE_INTERNAL
        # schema (typing/deduping) in the RAW database, so it needs CREATE SCHEMA there. It owns what it creates.
        grants.append(
            Grant(
                loader,
                ("USAGE", "CREATE SCHEMA"),
                "DATABASE",
                self.raw_database,
                reason="Airbyte creates AIRBYTE_INTERNAL",
            )
        )
        for schema in self.raw_fqns:
            grants.append(
                Grant(
                    loader,
                    ("USAGE", "CREATE TABLE", "CREATE STAGE"),
                    "SCHEMA",
                    schema,
                    reason="Airbyte lands streams as tables, loading through internal stages",
                )
            )
        # TRANSFORMER: reads every raw table and view (existing ones and those Airbyte creates later).
        grants.append(Grant(transformer, ("USAGE",), "DATABASE", self.raw_database, reason="dbt sources"))
        for schema in self.raw_fqns:
            grants.append(Grant(transformer, ("USAGE",), "SCHEMA", schema, reason="dbt sources"))
            for kind in _READABLE:
                grants.append(
                    Grant(transformer, ("SELECT",), kind, schema, on_all=True, reason="raw data already loaded")
                )
                grants.append(
                    Grant(transformer, ("SELECT",), kind, schema, on_future=True, reason="raw data Airbyte adds later")
                )
        # TRANSFORMER owns the analytics database and the schemas dbt builds: as owner it may create, replace and
        # drop tables and views there (no separate CREATE TABLE/VIEW grants needed) and create extra schemas.
        grants.append(
            Grant(
                transformer,
                ("OWNERSHIP",),
                "DATABASE",
                self.analytics_database,
                reason="dbt owns the analytics database",
            )
        )
        for schema in (self.analytics_fqn, self.marts_fqn):
            grants.append(
                Grant(transformer, ("OWNERSHIP",), "SCHEMA", schema, reason="dbt builds and replaces relations here")
            )
        # SYNCER: reads the marts (existing and rebuilt ones: dbt replaces tables, future grants re-apply) and owns
        # its own state schema. Views run with their owner's rights, so no grant on ANALYTICS is needed.
        grants.append(Grant(syncer, ("USAGE",), "DATABASE", self.analytics_database, reason="the sync reads marts"))
        grants.append(Grant(syncer, ("USAGE",), "SCHEMA", self.marts_fqn, reason="the sync reads marts"))
        for kind in _READABLE:
            grants.append(Grant(syncer, ("SELECT",), kind, self.marts_fqn, on_all=True, reason="marts already built"))
            grants.append(
                Grant(syncer, ("SELECT",), kind, self.marts_fqn, on_future=True, reason="marts dbt (re)builds later")
            )
        grants.append(
            Grant(syncer, ("OWNERSHIP",), "SCHEMA", self.sync_fqn, reason="snapshots, run log and rejections")
        )
        return grants


# --------------------------------------------------------------------------------------------------------------------
# Public keys
# --------------------------------------------------------------------------------------------------------------------

_PEM_PUBLIC = re.compile(r"-----BEGIN PUBLIC KEY-----(?P<body>.*?)-----END PUBLIC KEY-----", re.DOTALL)
_BASE64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")


def normalize_public_key(user: str, text: str) -> str:
    """The one-line body Snowflake's RSA_PUBLIC_KEY expects, from a PEM file (`openssl rsa -pubout`) or a body.

    Refuses private keys (a common mix-up that would leak the secret into a script) and PKCS#1
    ``BEGIN RSA PUBLIC KEY`` files, which Snowflake does not accept.
    """
    stripped = text.strip()
    if "PRIVATE KEY" in stripped:
        raise PublicKeyError(user, "this is a PRIVATE key; give the public key (openssl rsa -in key.p8 -pubout)")
    if "BEGIN RSA PUBLIC KEY" in stripped:
        raise PublicKeyError(
            user, "PKCS#1 'RSA PUBLIC KEY' is not accepted; convert it with: openssl rsa -RSAPublicKey_in -pubout"
        )
    match = _PEM_PUBLIC.search(stripped)
    body = match.group("body") if match else stripped
    if "-----" in body:
        raise PublicKeyError(user, "expected one '-----BEGIN PUBLIC KEY-----' block")
    body = "".join(body.split())
    if not body:
        raise PublicKeyError(user, "the key is empty")
    if not _BASE64.match(body) or len(body) % 4:
        raise PublicKeyError(user, "not a base64 public key (expected the output of openssl rsa -pubout)")
    try:
        der = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise PublicKeyError(user, "not valid base64") from None
    if len(der) < 32 or der[0] != 0x30:
        raise PublicKeyError(user, "not a DER-encoded public key (expected the output of openssl rsa -pubout)")
    return body


def normalize_public_keys(objects: SnowflakeObjects, public_keys: Mapping[str, str | None]) -> dict[str, str | None]:
    """{user name: one-line key or None} for every service user; keys may be given by name or short key."""
    result: dict[str, str | None] = {user.name: None for user in objects.users}
    for given, text in public_keys.items():
        user = objects.user(given)
        result[user.name] = None if text is None else normalize_public_key(user.name, text)
    return result


# --------------------------------------------------------------------------------------------------------------------
# SQL script
# --------------------------------------------------------------------------------------------------------------------


def _bool(value: bool) -> str:
    return "TRUE" if value else "FALSE"


def render_sql(objects: SnowflakeObjects, public_keys: Mapping[str, str | None] | None = None) -> str:
    """The SQL script that creates `objects` and their grants, equivalent to terraform/modules/snowflake.

    `public_keys` maps a service user (name, or airbyte/dbt/sync) to its public key (PEM or one-line body) or
    None. A user without a key is created without one, with a comment showing the ALTER USER to run later.
    Every statement is idempotent; the script can be run again. Identifiers are validated by `SnowflakeObjects`
    (so they are safe unquoted); every value is a quoted literal.
    """
    keys = normalize_public_keys(objects, public_keys or {})
    comment = quote_literal(objects.comment)
    missing = [user.name for user in objects.users if keys[user.name] is None]
    o = objects
    lines: list[str] = [
        f"-- Tapestry: Snowflake objects for the pipeline (prefix {o.prefix}).",
        f"-- Equivalent to terraform/modules/snowflake {MODULE_VERSION}: use one or the other, not both.",
        "--",
        "-- Run as a user who may use the SYSADMIN and SECURITYADMIN roles"
        + (" (and ACCOUNTADMIN, for the resource monitor)," if o.resource_monitor else ","),
        "-- e.g. in a Snowsight worksheet (Run All) or with: snow sql -f <this file>. Every statement is",
        "-- idempotent: running the script again changes nothing. No passwords anywhere: the service users",
        "-- log in with key pairs only.",
    ]
    if not o.raw_schemas:
        lines += [
            "--",
            "-- NOTE: no raw schema: Airbyte lands each source in a schema of the raw database named after the",
            "-- source. Create them with this script (tapestry snowflake-sql --raw-schema NAME per source, or run it",
            "-- inside the project), so that dbt's role may read what Airbyte loads.",
        ]
    if missing:
        lines += [
            "--",
            f"-- NOTE: no public key was given for {', '.join(missing)}.",
            "-- Those users are created without one and cannot log in until a key is set (see the TODO next",
            "-- to each). Make a pair with (the .p8 file is the secret; keep it out of this script):",
            "--   openssl genrsa 2048 | openssl pkcs8 -topk8 -v2 aes-256-cbc -out rsa_key.p8",
            "--   openssl rsa -in rsa_key.p8 -pubout -out rsa_key.pub",
            "-- and paste the lines of rsa_key.pub between BEGIN and END, joined into one line.",
        ]
    lines += [
        "",
        f"-- 1. Warehouse, databases and schemas, created (and owned) by {OBJECT_ADMIN_ROLE}.",
        f"USE ROLE {OBJECT_ADMIN_ROLE};",
        (
            f"CREATE WAREHOUSE IF NOT EXISTS {o.warehouse} WITH WAREHOUSE_SIZE = {o.warehouse_size} "
            f"WAREHOUSE_TYPE = {WAREHOUSE_TYPE} AUTO_SUSPEND = {o.warehouse_auto_suspend} "
            f"AUTO_RESUME = {_bool(WAREHOUSE_AUTO_RESUME)} "
            f"INITIALLY_SUSPENDED = {_bool(WAREHOUSE_INITIALLY_SUSPENDED)} COMMENT = {comment};"
        ),
    ]
    for database in o.databases:
        lines.append(f"CREATE DATABASE IF NOT EXISTS {database} COMMENT = {comment};")
    for database, schema in o.schemas:
        lines.append(f"CREATE SCHEMA IF NOT EXISTS {o.fqn(database, schema)} COMMENT = {comment};")

    lines += [
        "",
        f"-- 2. Roles, created by {SECURITY_ADMIN_ROLE}; each is granted to {PARENT_ROLE} so that administrators",
        "--    keep control of everything the roles own (and can rerun this script).",
        f"USE ROLE {SECURITY_ADMIN_ROLE};",
    ]
    role_grants = o.role_grants()
    for role in o.roles:
        lines.append(f"CREATE ROLE IF NOT EXISTS {role} COMMENT = {comment};")
    lines += [g.sql() for g in role_grants if g.grantee_type == "ROLE"]

    lines += ["", "-- 3. Service users (TYPE = SERVICE: no password, no MFA; key-pair login only)."]
    for user in o.users:
        key = keys[user.name]
        lines.append(f"-- {user.name}: {user.purpose}.")
        key_clause = f" RSA_PUBLIC_KEY = {quote_literal(key)}" if key else ""
        lines.append(
            f"CREATE USER IF NOT EXISTS {user.name} TYPE = SERVICE{key_clause} DEFAULT_ROLE = {user.role} "
            f"DEFAULT_WAREHOUSE = {o.warehouse} COMMENT = {comment};"
        )
        if key:
            lines.append("-- (also sets the key on a user that existed before)")
            lines.append(f"ALTER USER {user.name} SET RSA_PUBLIC_KEY = {quote_literal(key)};")
        else:
            lines.append(
                f"-- TODO no key given: ALTER USER {user.name} SET RSA_PUBLIC_KEY = '<{user.key} public key>';"
            )
    lines += [g.sql() for g in role_grants if g.grantee_type == "USER"]

    grants = o.grants()
    lines += ["", "-- 4. Privileges. FUTURE grants cover the tables and views created after this script."]
    for role, who in zip(o.roles, ("Airbyte", "dbt", "the sync engine"), strict=True):
        lines.append(f"-- {role} ({who})")
        previous = ""
        for grant in grants:
            if grant.role == role and not grant.ownership:
                if grant.reason != previous:
                    lines.append(f"--   {grant.reason}")
                    previous = grant.reason
                lines.append(grant.sql())
    lines += [
        "",
        "-- 5. Ownership: dbt's role owns the analytics database and the schemas it builds (so it may create",
        f"--    and replace tables and views there); the sync role owns its state schema. {OBJECT_ADMIN_ROLE} created",
        "--    them and hands them over (the new owners are granted to it above). COPY CURRENT GRANTS keeps the",
        "--    grants made above.",
        f"USE ROLE {OBJECT_ADMIN_ROLE};",
    ]
    lines += [g.sql() for g in grants if g.ownership]
    if o.resource_monitor is not None:
        lines += ["", *_resource_monitor_sql(o, o.resource_monitor)]
    return "\n".join(lines) + "\n"


def _resource_monitor_sql(o: SnowflakeObjects, monitor: ResourceMonitor) -> list[str]:
    """Section 6: the credit cap. CREATE … IF NOT EXISTS, then ALTER, so a rerun applies a changed quota."""
    settings = f"CREDIT_QUOTA = {monitor.credit_quota}"
    schedule = (
        f" FREQUENCY = {monitor.frequency} START_TIMESTAMP = {quote_literal(str(monitor.start_timestamp))}"
        if monitor.frequency
        else ""
    )
    notify = f" NOTIFY_USERS = ({', '.join(monitor.notify_users)})" if monitor.notify_users else ""
    return [
        f"-- 6. Resource monitor: {monitor.describe()}.",
        f"--    Only {ACCOUNT_ADMIN_ROLE} may create a resource monitor or assign one to a warehouse.",
        f"USE ROLE {ACCOUNT_ADMIN_ROLE};",
        (
            f"CREATE RESOURCE MONITOR IF NOT EXISTS {o.resource_monitor_name} WITH {settings}{schedule}{notify} "
            f"{monitor.triggers_sql()};"
        ),
        "-- (also applies a changed quota, recipients or triggers to a monitor that existed before; to change the",
        f"-- schedule of an existing one: ALTER RESOURCE MONITOR {o.resource_monitor_name} SET FREQUENCY = ... "
        "START_TIMESTAMP = ...)",
        f"ALTER RESOURCE MONITOR {o.resource_monitor_name} SET {settings}{notify} {monitor.triggers_sql()};",
        f"ALTER WAREHOUSE {o.warehouse} SET RESOURCE_MONITOR = {o.resource_monitor_name};",
    ]


# --------------------------------------------------------------------------------------------------------------------
# Verification of existing objects
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VerificationQuery:
    """A read-only SHOW statement; its rows (as dicts) go to `missing_objects` under `key`."""

    key: str
    sql: str
    checks: str


def verification_sql(objects: SnowflakeObjects) -> list[VerificationQuery]:
    """Read-only queries that show whether existing objects match `objects` ("use existing objects").

    Run them with a role that can see the objects and the roles' grants (SECURITYADMIN, or a role that has been
    granted the three Tapestry roles). A query that fails (e.g. SHOW SCHEMAS IN a missing database) should be
    passed on as an empty list of rows. Grants on ALL existing tables/views are point-in-time and not checked;
    the FUTURE grants that keep them complete are.
    """
    o = objects
    queries = [VerificationQuery("warehouse", f"SHOW WAREHOUSES LIKE {quote_literal(o.warehouse)}", "warehouse")]
    for database in o.databases:
        queries.append(
            VerificationQuery(f"database:{database}", f"SHOW DATABASES LIKE {quote_literal(database)}", "database")
        )
    for database in o.databases:
        queries.append(
            VerificationQuery(f"schemas:{database}", f"SHOW SCHEMAS IN DATABASE {database}", f"schemas of {database}")
        )
    for role in o.roles:
        queries.append(VerificationQuery(f"role:{role}", f"SHOW ROLES LIKE {quote_literal(role)}", "role"))
    for user in o.users:
        queries.append(VerificationQuery(f"user:{user.name}", f"SHOW USERS LIKE {quote_literal(user.name)}", "user"))
    for role in o.roles:
        queries += [
            VerificationQuery(f"grants_to:{role}", f"SHOW GRANTS TO ROLE {role}", "privileges and ownership"),
            VerificationQuery(f"future_grants_to:{role}", f"SHOW FUTURE GRANTS TO ROLE {role}", "future grants"),
            VerificationQuery(f"grants_of:{role}", f"SHOW GRANTS OF ROLE {role}", f"{PARENT_ROLE} and the user"),
        ]
    return queries


def _norm(value: object) -> str:
    """Upper-case, quotes removed: SHOW output spells names as NAME, "NAME" or DB."SCHEMA"."""
    return str(value if value is not None else "").replace('"', "").strip().upper()


def _normalised(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """SHOW rows with lower-case column names and `_norm`-ed values."""
    return [{str(k).lower(): _norm(v) for k, v in row.items()} for row in rows]


def _rows(results: Mapping[str, Sequence[Mapping[str, Any]]], key: str) -> list[dict[str, str]]:
    return _normalised(results.get(key, ()))


def _names(rows: Iterable[Mapping[str, str]]) -> set[str]:
    return {row.get("name", "") for row in rows}


def resource_monitor_problem(objects: SnowflakeObjects, warehouse_rows: Sequence[Mapping[str, Any]]) -> str | None:
    """Why the warehouse is not capped as `objects.resource_monitor` asks, from `SHOW WAREHOUSES LIKE` rows.

    None when no monitor is wanted, or when the warehouse's `resource_monitor` column names ours. (The monitor's
    own settings are not visible to the service roles: SHOW RESOURCE MONITORS needs ACCOUNTADMIN or MONITOR.)
    """
    if objects.resource_monitor is None:
        return None
    rows = [row for row in _normalised(warehouse_rows) if row.get("name") == objects.warehouse]
    if not rows:
        return f"warehouse {objects.warehouse} is not visible, so its resource monitor cannot be checked"
    assigned = rows[0].get("resource_monitor", "")
    if assigned == objects.resource_monitor_name:
        return None
    now = "none" if assigned in {"", "NULL", "NONE"} else assigned
    return (
        f"warehouse {objects.warehouse} is not capped by resource monitor {objects.resource_monitor_name} "
        f"(assigned: {now})"
    )


def missing_objects(objects: SnowflakeObjects, results: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[str]:
    """What `verification_sql` found missing, one readable line each; empty when everything is there.

    `results` maps each query's `key` to the rows it returned (dicts keyed by SHOW's column names, any case,
    e.g. from a DictCursor). A key that is absent counts as no rows.
    """
    o = objects
    missing: list[str] = []
    if o.warehouse not in _names(_rows(results, "warehouse")):
        missing.append(f"warehouse {o.warehouse}")
    elif resource_monitor_problem(o, results.get("warehouse", ())):
        missing.append(f"resource monitor {o.resource_monitor_name} on warehouse {o.warehouse}")
    for database in o.databases:
        if database not in _names(_rows(results, f"database:{database}")):
            missing.append(f"database {database}")
    for database, schema in o.schemas:
        if schema not in _names(_rows(results, f"schemas:{database}")):
            missing.append(f"schema {o.fqn(database, schema)}")
    for role in o.roles:
        if role not in _names(_rows(results, f"role:{role}")):
            missing.append(f"role {role}")
    for user in o.users:
        if user.name not in _names(_rows(results, f"user:{user.name}")):
            missing.append(f"user {user.name}")

    for role_grant in o.role_grants():
        rows = _rows(results, f"grants_of:{role_grant.role}")
        if not any(
            r.get("granted_to") == role_grant.grantee_type and r.get("grantee_name") == role_grant.grantee for r in rows
        ):
            missing.append(f"role {role_grant.role} granted to {role_grant.grantee_type.lower()} {role_grant.grantee}")

    for grant in o.grants():
        if grant.on_all:
            continue  # point-in-time; the future grant below is what keeps access complete
        if grant.on_future:
            rows = _rows(results, f"future_grants_to:{grant.role}")
            for privilege in grant.privileges:
                found = any(
                    r.get("privilege") == privilege
                    and (r.get("grant_on") or r.get("granted_on")) == grant.object_type
                    and r.get("name", "").rsplit(".", 1)[0] == grant.object_name
                    for r in rows
                )
                if not found:
                    missing.append(
                        f"{privilege} on future {grant.object_type.lower()}s in {grant.object_name} "
                        f"to role {grant.role}"
                    )
            continue
        rows = _rows(results, f"grants_to:{grant.role}")
        for privilege in grant.privileges:
            found = any(
                r.get("privilege") == privilege
                and r.get("granted_on") == grant.object_type
                and r.get("name") == grant.object_name
                for r in rows
            )
            if not found:
                missing.append(f"{privilege} on {grant.object_type.lower()} {grant.object_name} to role {grant.role}")
    return missing


__all__ = [
    "DEFAULT_COMMENT",
    "DEFAULT_PREFIX",
    "MODULE_VERSION",
    "MONITOR_FREQUENCIES",
    "RESERVED_KEYWORDS",
    "TFVAR_NAMES",
    "WAREHOUSE_SIZES",
    "Grant",
    "PublicKeyError",
    "ResourceMonitor",
    "RoleGrant",
    "ServiceUser",
    "SnowflakeNameError",
    "SnowflakeObjects",
    "VerificationQuery",
    "identifier_problem",
    "missing_objects",
    "normalize_public_key",
    "normalize_public_keys",
    "quote_literal",
    "render_sql",
    "resource_monitor_problem",
    "verification_sql",
]
