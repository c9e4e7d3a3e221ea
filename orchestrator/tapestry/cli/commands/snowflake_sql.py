"""`tapestry snowflake-sql`: print the SQL script that creates Tapestry's Snowflake objects, for a DBA."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from tapestry.cli.app import ProjectOption, default_project, friendly_errors

HELP = (
    "Print (or write) the SQL script that creates Tapestry's Snowflake objects and grants.\n\n"
    "For teams whose Snowflake administrator prefers to run SQL over letting Terraform manage the account: the "
    "script creates exactly what [bold]terraform/modules/snowflake[/] creates (use one or the other).\n\n"
    "[bold]What it creates[/] (P = --prefix, upper-cased; every name can be overridden):\n\n"
    "  • warehouse [bold]P_WH[/]: XSMALL, suspends after 60 s idle, resumes on demand\n"
    "  • database [bold]P_RAW[/], schemas ZOOM and SALESFORCE: Airbyte lands raw data here\n"
    "  • database [bold]P_ANALYTICS[/], schemas ANALYTICS and MARTS (dbt), TAPESTRY_SYNC (sync state)\n"
    "  • roles P_LOADER (Airbyte), P_TRANSFORMER (dbt), P_SYNCER (sync), each granted to SYSADMIN\n"
    "  • service users P_AIRBYTE, P_DBT, P_SYNC: TYPE = SERVICE, key-pair login, [bold]no passwords[/]\n"
    "  • the least privileges each role needs, with FUTURE grants for tables created later\n\n"
    "Every statement is idempotent (CREATE … IF NOT EXISTS): the script can be run again. Run it as a user who "
    "may use SYSADMIN and SECURITYADMIN: in a Snowsight worksheet (Run All), or [bold]snow sql -f tapestry.sql[/].\n\n"
    "[bold]Keys[/]: make one key pair per service user and give its public half here; the private half stays "
    "with the service. A user without a key is created without one, and the script shows the ALTER USER that "
    "sets it later.\n\n"
    "  openssl genrsa 2048 | openssl pkcs8 -topk8 -v2 aes-256-cbc -out dbt_key.p8\n"
    "  openssl rsa -in dbt_key.p8 -pubout -out dbt_key.pub\n\n"
    "[bold]Examples[/]\n\n"
    "  tapestry snowflake-sql\n"
    "  tapestry snowflake-sql --prefix ACME --public-key ACME_DBT=dbt_key.pub --output acme.sql\n"
    "  tapestry snowflake-sql --prefix ACME --warehouse SHARED_WH --public-key dbt=dbt_key.pub\n\n"
    "No Snowflake connection is made; it works outside a project. Inside a project whose tapestry.yml has "
    "[bold]warehouse: {type: snowflake, prefix: …}[/], that prefix is the default; flags win."
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


def register(app: typer.Typer) -> None:
    app.command("snowflake-sql", help=HELP)(snowflake_sql)


def project_settings(project: Path) -> dict[str, str]:
    """Hook: name settings from the project's tapestry.yml, when the command runs inside a project.

    Reads `warehouse:` when it is `type: snowflake` (the cloud target's section; today it carries `prefix`), or a
    `warehouse.snowflake:` mapping; keys prefix / warehouse / raw_database / analytics_database become this
    command's defaults. The file is read as plain YAML, not validated: a project that is still being set up
    must not stop a DBA from getting the script. Outside a project (no tapestry.yml) this returns {}.
    """
    config_file = project / "tapestry.yml"
    if not config_file.is_file():
        return {}
    import yaml

    try:
        data = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}  # `tapestry status`/`run` report a broken tapestry.yml; this command does not need it
    section: Any = data.get("warehouse") if isinstance(data, dict) else None
    if isinstance(section, dict) and section.get("type") != "snowflake":
        section = section.get("snowflake")
    if not isinstance(section, dict):
        return {}
    return {key: str(section[key]) for key in FLAGS if section.get(key) is not None}


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
            dir_okay=False,
            writable=True,
        ),
    ] = None,
    project: ProjectOption = default_project(),  # noqa: B008
) -> None:
    from tapestry.core.errors import ConfigError
    from tapestry.engines.warehouse import snowflake_objects as sf

    settings: dict[str, str] = project_settings(project)
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

    try:
        objects = sf.SnowflakeObjects.from_overrides(**settings)
    except sf.SnowflakeNameError as exc:
        where = origin.get(exc.field, exc.field)
        flag = FLAGS.get(exc.field, "--prefix")
        example = EXAMPLES.get(exc.field, "ACME")
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
