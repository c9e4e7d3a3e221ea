"""`tapestry snowflake-sql`: print the SQL script that creates Tapestry's Snowflake objects, for a DBA."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from tapestry.cli.common import ProjectOption, default_project, file_path, friendly_errors

HELP = (
    "Print (or write) the SQL script that creates Tapestry's Snowflake objects and grants.\n\n"
    "For teams whose Snowflake administrator prefers to run SQL over letting Terraform manage the account: the "
    "script creates exactly what [bold]terraform/modules/snowflake[/] creates (use one or the other).\n\n"
    "[bold]What it creates[/] (P = --prefix, upper-cased; every name can be overridden):\n\n"
    "  • warehouse [bold]P_WH[/]: XSMALL, suspends after 60 s idle, resumes on demand\n"
    "  • database [bold]P_RAW[/], one schema per source (--raw-schema; in a project, its sources' names, "
    "e.g. ZOOM and SALESFORCE): Airbyte lands raw data here\n"
    "  • database [bold]P_ANALYTICS[/], schemas ANALYTICS and MARTS (dbt), TAPESTRY_SYNC (sync state)\n"
    "  • roles P_LOADER (Airbyte), P_TRANSFORMER (dbt), P_SYNCER (sync), each granted to SYSADMIN\n"
    "  • service users P_AIRBYTE, P_DBT, P_SYNC: TYPE = SERVICE, key-pair login, [bold]no passwords[/]\n"
    "  • the least privileges each role needs, with FUTURE grants for tables created later\n"
    "  • with [bold]--credit-quota[/]: resource monitor [bold]P_MONITOR[/], a credit cap on the warehouse\n\n"
    "The cap e-mails at 75 and 90 % of the quota, suspends the warehouse at 100 % and cancels running queries at "
    "110 %; the quota resets each calendar month unless --monitor-frequency and --monitor-start say otherwise.\n\n"
    "Every statement is idempotent (CREATE … IF NOT EXISTS): the script can be run again. Run it as a user who "
    "may use SYSADMIN and SECURITYADMIN (and ACCOUNTADMIN for the resource monitor, the only role Snowflake lets "
    "create or assign one): in a Snowsight worksheet (Run All), or [bold]snow sql -f tapestry.sql[/].\n\n"
    "[bold]Keys[/]: make one key pair per service user and give its public half here; the private half stays "
    "with the service. A user without a key is created without one, and the script shows the ALTER USER that "
    "sets it later.\n\n"
    "  openssl genrsa 2048 | openssl pkcs8 -topk8 -v2 aes-256-cbc -out dbt_key.p8\n"
    "  openssl rsa -in dbt_key.p8 -pubout -out dbt_key.pub\n\n"
    "[bold]Examples[/]\n\n"
    "  tapestry snowflake-sql\n"
    "  tapestry snowflake-sql --prefix ACME --public-key ACME_DBT=dbt_key.pub --output acme.sql\n"
    "  tapestry snowflake-sql --prefix ACME --warehouse SHARED_WH --public-key dbt=dbt_key.pub\n"
    "  tapestry snowflake-sql --raw-schema ZOOM --raw-schema SALESFORCE\n"
    "  tapestry snowflake-sql --credit-quota 20 --notify-user DATA_LEAD\n"
    "  tapestry snowflake-sql --credit-quota 5 --monitor-frequency DAILY --monitor-start '2027-01-01 00:00'\n\n"
    "No Snowflake connection is made; it works outside a project. Inside a project whose tapestry.yml has "
    "[bold]warehouse: {type: snowflake, prefix: …, resource_monitor: {credit_quota: …}}[/] and "
    "[bold]sources:[/], those are the defaults; flags win."
)

#: Flag that sets each `SnowflakeObjects` field (for error messages).
FLAGS = {
    "prefix": "--prefix",
    "warehouse": "--warehouse",
    "raw_database": "--raw-database",
    "analytics_database": "--analytics-database",
}
EXAMPLES = {
    "prefix": "ACME",
    "warehouse": "ACME_WH",
    "raw_database": "ACME_RAW",
    "analytics_database": "ACME_ANALYTICS",
}
#: Flag that sets each resource monitor setting, and an example value.
MONITOR_FLAGS = {
    "credit_quota": ("--credit-quota", "20"),
    "frequency": ("--monitor-frequency", "MONTHLY"),
    "start_timestamp": ("--monitor-start", "'2027-01-01 00:00'"),
    "notify_triggers": ("--notify-at", "80"),
    "suspend_trigger": ("--suspend-at", "100"),
    "suspend_immediate_trigger": ("--suspend-immediately-at", "110"),
    "notify_users": ("--notify-user", "DATA_LEAD"),
    "name": ("--monitor-name", "ACME_MONITOR"),
}


def register(app: typer.Typer) -> None:
    app.command("snowflake-sql", help=HELP)(snowflake_sql)


def project_yaml(project: Path) -> dict[str, Any]:
    """The project's tapestry.yml as plain YAML ({} outside a project, or when it cannot be read).

    Not validated: a project that is still being set up must not stop a DBA from getting the script."""
    config_file = project / "tapestry.yml"
    if not config_file.is_file():
        return {}
    from tapestry.core.errors import ConfigError
    from tapestry.core.yamlfile import read_yaml_file

    try:
        data = read_yaml_file(config_file)
    except ConfigError:
        return {}  # `tapestry status`/`run` report a broken tapestry.yml; this command does not need it
    return data if isinstance(data, dict) else {}


def project_section(project: Path) -> dict[str, Any]:
    """The Snowflake section of the project's tapestry.yml: `warehouse:` when it is `type: snowflake` (the cloud
    target's section), or a `warehouse.snowflake:` mapping."""
    data = project_yaml(project)
    section: Any = data.get("warehouse")
    if isinstance(section, dict) and section.get("type") != "snowflake":
        section = section.get("snowflake")
    return section if isinstance(section, dict) else {}


def project_raw_schemas(project: Path) -> list[str]:
    """The raw schema of each source under the project's `sources:` (its name, upper-cased); a version 1 file
    means what it always meant (both of its sources)."""
    from tapestry.core.errors import ConfigError
    from tapestry.project.migrate import migrate
    from tapestry.sources.base import raw_schema

    data = project_yaml(project)
    try:
        sources = migrate(data, "tapestry.yml").get("sources") if data else None
    except ConfigError:
        return []
    return [raw_schema(str(name)) for name in sources] if isinstance(sources, dict) else []


def project_settings(section: dict[str, Any]) -> dict[str, str]:
    """Name settings of the project's Snowflake section (keys prefix / warehouse / raw_database /
    analytics_database): this command's defaults inside a project."""
    return {key: str(section[key]) for key in FLAGS if section.get(key) is not None}


def monitor_settings(section: dict[str, Any], flags: dict[str, Any]) -> dict[str, Any] | None:
    """The resource monitor: the section's `resource_monitor:` mapping with the flags given on top, or None.

    Monitor flags without a quota (on the command line or in tapestry.yml) are a mistake, not ignored."""
    from tapestry.core.errors import ConfigError

    configured = section.get("resource_monitor")
    settings: dict[str, Any] = dict(configured) if isinstance(configured, dict) else {}
    settings.update({key: value for key, value in flags.items() if value is not None and value != []})
    if not settings:
        return None
    if settings.get("credit_quota") is None:
        given = next(MONITOR_FLAGS[key][0] for key in MONITOR_FLAGS if key in settings)
        raise ConfigError(
            f"{given} configures a resource monitor, but no credit quota was given",
            "add --credit-quota CREDITS (e.g. --credit-quota 20), or leave the monitor flags out",
        )
    return settings


def parse_public_keys(values: list[str]) -> dict[str, str]:
    """`USER=FILE` pairs → {user: file content}. Errors are one line naming the flag and the fix."""
    from tapestry.core.errors import ConfigError

    keys: dict[str, str] = {}
    for value in values:
        user, sep, file_name = value.partition("=")
        if not sep or not user.strip() or not file_name.strip():
            raise ConfigError(
                f"--public-key {value!r} is not USER=FILE",
                "write e.g. --public-key TAPESTRY_DBT=dbt_key.pub (or dbt=dbt_key.pub)",
            )
        path = Path(file_name.strip()).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"--public-key {user.strip()}={file_name.strip()}: file not found",
                "give the path of the public key file made with `openssl rsa -in key.p8 -pubout -out key.pub`",
            )
        try:
            keys[user.strip()] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"--public-key {user.strip()}={file_name.strip()}: cannot read the file ({type(exc).__name__})",
                "give a readable PEM public key file (openssl rsa -pubout)",
            ) from None
    return keys


@friendly_errors
def snowflake_sql(
    prefix: Annotated[
        str | None,
        typer.Option(
            "--prefix",
            metavar="PREFIX",
            help="Prefix of every name (upper-cased): letters, digits, _ or $, starting with a letter or _. "
            "Default: TAPESTRY.",
            show_default=False,
        ),
    ] = None,
    warehouse: Annotated[
        str | None,
        typer.Option("--warehouse", metavar="NAME", help="Warehouse name. Default: <PREFIX>_WH.", show_default=False),
    ] = None,
    raw_database: Annotated[
        str | None,
        typer.Option(
            "--raw-database",
            metavar="NAME",
            help="Database Airbyte loads into. Default: <PREFIX>_RAW.",
            show_default=False,
        ),
    ] = None,
    analytics_database: Annotated[
        str | None,
        typer.Option(
            "--analytics-database",
            metavar="NAME",
            help="Database dbt builds into. Default: <PREFIX>_ANALYTICS.",
            show_default=False,
        ),
    ] = None,
    credit_quota: Annotated[
        int | None,
        typer.Option(
            "--credit-quota",
            metavar="CREDITS",
            help="Add a resource monitor that caps the warehouse at this many credits per interval (each calendar "
            "month by default). Needs ACCOUNTADMIN to run.",
            show_default=False,
            rich_help_panel="Resource monitor",
        ),
    ] = None,
    monitor_frequency: Annotated[
        str | None,
        typer.Option(
            "--monitor-frequency",
            metavar="FREQUENCY",
            help="When the quota resets: MONTHLY, DAILY, WEEKLY, YEARLY or NEVER (with --monitor-start).",
            show_default=False,
            rich_help_panel="Resource monitor",
        ),
    ] = None,
    monitor_start: Annotated[
        str | None,
        typer.Option(
            "--monitor-start",
            metavar="'YYYY-MM-DD HH:MM'",
            help="Start of the first interval, UTC (with --monitor-frequency).",
            show_default=False,
            rich_help_panel="Resource monitor",
        ),
    ] = None,
    notify_at: Annotated[
        list[int] | None,
        typer.Option(
            "--notify-at",
            metavar="PERCENT",
            help="E-mail at this percentage of the quota; repeat for several. Default: 75 and 90.",
            show_default=False,
            rich_help_panel="Resource monitor",
        ),
    ] = None,
    suspend_at: Annotated[
        int | None,
        typer.Option(
            "--suspend-at",
            metavar="PERCENT",
            help="Suspend the warehouse at this percentage, once running queries finish. Default: 100.",
            show_default=False,
            rich_help_panel="Resource monitor",
        ),
    ] = None,
    suspend_immediately_at: Annotated[
        int | None,
        typer.Option(
            "--suspend-immediately-at",
            metavar="PERCENT",
            help="Suspend and cancel running queries at this percentage. Default: 110.",
            show_default=False,
            rich_help_panel="Resource monitor",
        ),
    ] = None,
    notify_user: Annotated[
        list[str] | None,
        typer.Option(
            "--notify-user",
            metavar="USER",
            help="A Snowflake user (with a verified e-mail address) who gets the notifications; repeat for several.",
            show_default=False,
            rich_help_panel="Resource monitor",
        ),
    ] = None,
    monitor_name: Annotated[
        str | None,
        typer.Option(
            "--monitor-name",
            metavar="NAME",
            help="Resource monitor name. Default: <PREFIX>_MONITOR.",
            show_default=False,
            rich_help_panel="Resource monitor",
        ),
    ] = None,
    raw_schema: Annotated[
        list[str] | None,
        typer.Option(
            "--raw-schema",
            metavar="NAME",
            help="A schema of the raw database, one per source (Airbyte lands the source's streams there; its name "
            "in tapestry.yml, upper-cased); repeat for each source. Default: the project's sources.",
            show_default=False,
        ),
    ] = None,
    public_key: Annotated[
        list[str] | None,
        typer.Option(
            "--public-key",
            metavar="USER=FILE",
            help="USER=FILE: the PEM public key of a service user, by name (ACME_DBT) or role (airbyte, dbt, "
            "sync). Repeat for each user.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write the script to this file instead of stdout.",
            callback=file_path("pass the path of a file to write"),
        ),
    ] = None,
    project: ProjectOption = default_project(),  # noqa: B008
) -> None:
    from tapestry.core.errors import ConfigError
    from tapestry.engines.warehouse import snowflake_objects as sf

    section = project_section(project)  # read once: names and the monitor both come from it
    settings: dict[str, str] = project_settings(section)
    origin = {key: f"warehouse {key} in {project / 'tapestry.yml'}" for key in settings}
    for key, value in (
        ("prefix", prefix),
        ("warehouse", warehouse),
        ("raw_database", raw_database),
        ("analytics_database", analytics_database),
    ):
        if value is not None:
            settings[key] = value
            origin[key] = FLAGS[key]

    monitor = monitor_settings(
        section,
        {
            "credit_quota": credit_quota,
            "frequency": monitor_frequency,
            "start_timestamp": monitor_start,
            "notify_triggers": notify_at,
            "suspend_trigger": suspend_at,
            "suspend_immediate_trigger": suspend_immediately_at,
            "notify_users": notify_user,
            "name": monitor_name,
        },
    )
    raw_schemas = list(raw_schema or []) or project_raw_schemas(project)
    origin["raw_schemas"] = (
        "--raw-schema" if raw_schema else f"a source name under sources: in {project / 'tapestry.yml'}"
    )
    try:
        objects = sf.SnowflakeObjects.from_overrides(
            **settings,
            raw_schemas=tuple(raw_schemas),
            resource_monitor={k: v for k, v in monitor.items() if k != "name"} if monitor else None,
            resource_monitor_name=monitor.get("name") if monitor else None,
        )
    except sf.SnowflakeNameError as exc:
        if exc.field.startswith("resource_monitor"):
            key = "name" if exc.field == "resource_monitor_name" else exc.field.partition(".")[2]
            flag, example = MONITOR_FLAGS.get(key, ("--credit-quota", "20"))
            fix = f"pass {flag} a valid value, e.g. {flag} {example}"
            if "go together" in exc.reason:
                fix = "give both --monitor-frequency and --monitor-start, or neither"
            raise ConfigError(
                f"resource monitor {key or 'settings'} {exc.value!r}: {exc.reason}",
                f"{fix} (or fix warehouse.resource_monitor in tapestry.yml)",
            ) from None
        where = origin.get(exc.field, exc.field)
        flag = FLAGS.get(exc.field, "--prefix")
        example = EXAMPLES.get(exc.field, "ACME")
        if exc.field == "raw_schemas":
            raise ConfigError(
                f"{where} {exc.value!r} is not a valid raw schema: {exc.reason}",
                "give each source a name of letters, digits and _ that starts with a letter (e.g. --raw-schema CRM)",
            ) from None
        raise ConfigError(
            f"{where} {exc.value!r} is not a valid Snowflake name: {exc.reason}",
            f"pass {flag} a name of letters, digits and _ that starts with a letter, e.g. {flag} {example}",
        ) from None

    keys = parse_public_keys(public_key or [])
    try:
        sql = sf.render_sql(objects, keys)
    except KeyError as exc:
        raise ConfigError(f"--public-key: {exc.args[0]}", "name one of those users, or airbyte, dbt or sync") from None
    except sf.PublicKeyError as exc:
        raise ConfigError(
            f"--public-key {exc.user}: {exc.reason}",
            "give the .pub file from `openssl rsa -in key.p8 -pubout -out key.pub`",
        ) from None

    if output is None:
        sys.stdout.write(sql)
        return
    from tapestry.cli.console import err_console
    from tapestry.core.fs import atomic_write_text

    atomic_write_text(output, sql)
    statements = sum(1 for line in sql.splitlines() if line.rstrip().endswith(";") and not line.startswith("--"))
    err_console.print(f"wrote {output} ({statements} statements for prefix {objects.prefix})", soft_wrap=True)
