"""`tapestry.yml`: the project's configuration, validated by a typed model.

Secrets are never stored here, only references to them (`{env: NAME}` or `{secret: NAME}`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from tapestry.core.errors import ConfigError, clip

CONFIG_FILE = "tapestry.yml"
SCHEMA_VERSION = 1
MERGE_TAG = re.compile(r"^[A-Z][A-Z0-9_]{0,9}$")
SECRET_WORDS = re.compile(r"(api_?key|password|secret|token|private_key)$", re.IGNORECASE)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SecretRef(Strict):
    """Where a secret comes from: an environment variable or the secret store. Never the value."""

    env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    secret: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_./-]+$")

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretRef:
        if (self.env is None) == (self.secret is None):
            raise ValueError("give exactly one of `env: VARIABLE_NAME` or `secret: NAME`")
        return self

    def describe(self) -> str:
        return f"environment variable {self.env}" if self.env else f"secret store entry '{self.secret}'"


def _known_encoding(value: str) -> str:
    import codecs

    try:
        codecs.lookup(value)
    except LookupError:
        raise ValueError(f"unknown encoding {value!r} (e.g. utf-8, latin-1, cp1252, utf-16)") from None
    return value


Encoding = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_known_encoding)]


class ZoomSource(Strict):
    """Local target: export files. Cloud target: Airbyte's source-zoom with Server-to-Server OAuth."""

    files: list[str] = Field(default_factory=list, description="Paths or globs, relative to the project")
    encoding: Encoding = "utf-8"  # of the export files (CSV, JSON): others are converted to UTF-8 when loaded
    account_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{5,64}$")
    client_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{5,64}$")
    client_secret: SecretRef | None = None
    oauth_url: str = Field(default="https://zoom.us", pattern=r"^https?://[^\s/]+(:\d+)?$")


class SalesforceSource(Strict):
    """Local target: export files. Cloud target: Airbyte's source-salesforce (Contact, incremental)."""

    files: list[str] = Field(default_factory=list, description="Paths or globs, relative to the project")
    encoding: Encoding = "utf-8"
    client_id: str | None = Field(default=None, min_length=10, max_length=256)
    client_secret: SecretRef | None = None
    refresh_token: SecretRef | None = None
    start_date: str = Field(default="2020-01-01T00:00:00Z", pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
    is_sandbox: bool = False
    login_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(:\d+)?$")  # My Domain, tests

    @property
    def token_url(self) -> str:
        base = self.login_url or ("https://test.salesforce.com" if self.is_sandbox else "https://login.salesforce.com")
        return f"{base}/services/oauth2/token"


class Sources(Strict):
    zoom: ZoomSource = ZoomSource()
    salesforce: SalesforceSource = SalesforceSource()


class LocalWarehouse(Strict):
    type: Literal["duckdb"] = "duckdb"
    path: str = "warehouse.duckdb"


SNOWFLAKE_ACCOUNT = r"^([A-Za-z][A-Za-z0-9_]*-[A-Za-z0-9_]+|[A-Za-z0-9]+(\.[A-Za-z0-9-]+){0,2})$"
SNOWFLAKE_IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_$]{0,200}$"
DNS_NAME = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"


Percent = Annotated[int, Field(ge=1, le=1000)]


class ResourceMonitorConfig(Strict):
    """A credit cap on Tapestry's warehouse (a Snowflake resource monitor).

    Only ACCOUNTADMIN may create one or assign it: the admin user needs that role when Tapestry manages the
    objects; otherwise the DBA runs the script's last section (`tapestry snowflake-sql`) and the deploy verifies
    that the warehouse is capped. Triggers are percentages of `credit_quota`.
    """

    credit_quota: Annotated[int, Field(ge=1, le=1_000_000)]
    frequency: Literal["MONTHLY", "DAILY", "WEEKLY", "YEARLY", "NEVER"] | None = None  # None: each calendar month
    start_timestamp: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?$")  # UTC
    notify_triggers: list[Percent] = Field(default_factory=lambda: [75, 90])
    suspend_trigger: Percent = 100
    suspend_immediate_trigger: Percent = 110
    notify_users: list[Annotated[str, Field(pattern=SNOWFLAKE_IDENTIFIER)]] = Field(default_factory=list)
    name: str | None = Field(default=None, pattern=SNOWFLAKE_IDENTIFIER)  # default <PREFIX>_MONITOR

    @field_validator("frequency", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _consistent(self) -> ResourceMonitorConfig:
        if (self.frequency is None) != (self.start_timestamp is None):
            raise ValueError(
                "frequency and start_timestamp go together: set both (e.g. MONTHLY and '2027-01-01 00:00') "
                "or neither (the quota then resets each calendar month)"
            )
        if self.suspend_trigger > self.suspend_immediate_trigger:
            raise ValueError("suspend_trigger must not be above suspend_immediate_trigger")
        return self

    def settings(self) -> dict[str, Any]:
        """The monitor's settings in the Terraform module's `resource_monitor` shape (without the name)."""
        return self.model_dump(exclude={"name"})


class SnowflakeWarehouseConfig(Strict):
    """Snowflake, provisioned by the `snowflake` stack (manage_objects) or created by a DBA from
    `tapestry snowflake-sql` (the deploy then only verifies the objects)."""

    type: Literal["snowflake"]
    account: str = Field(pattern=SNOWFLAKE_ACCOUNT, description="orgname-accountname (or a legacy locator)")
    prefix: str = Field(default="TAPESTRY", pattern=SNOWFLAKE_IDENTIFIER)
    manage_objects: bool = True
    admin_user: str | None = Field(default=None, pattern=SNOWFLAKE_IDENTIFIER)
    admin_private_key: SecretRef | None = None
    # Each service user's private key (secret store names); generated by the deploy when objects are
    # managed, given by the DBA's team otherwise.
    loader_private_key: SecretRef = SecretRef(secret="snowflake/loader_private_key")
    transformer_private_key: SecretRef = SecretRef(secret="snowflake/transformer_private_key")
    syncer_private_key: SecretRef = SecretRef(secret="snowflake/syncer_private_key")
    endpoint: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(:\d+)?/?$")  # private link, tests
    resource_monitor: ResourceMonitorConfig | None = None  # credit cap on the warehouse; None: no cap

    @model_validator(mode="after")
    def _admin_for_managed(self) -> SnowflakeWarehouseConfig:
        if self.manage_objects and (self.admin_user is None or self.admin_private_key is None):
            raise ValueError("manage_objects needs admin_user and admin_private_key (or set manage_objects: false)")
        return self


class TerraformBackend(Strict):
    """Where Terraform keeps state: in the project (local) or in S3 with a lock file."""

    type: Literal["local", "s3"] = "local"
    bucket: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    key_prefix: str = Field(default="tapestry", pattern=r"^[A-Za-z0-9_./-]+$")
    region: str | None = None

    @model_validator(mode="after")
    def _bucket_for_s3(self) -> TerraformBackend:
        if self.type == "s3" and not self.bucket:
            raise ValueError("an s3 backend needs a bucket")
        return self


class AirbyteDeploy(Strict):
    instance_type: str = Field(default="m6i.xlarge", pattern=r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
    # HTTPS on the load balancer: an ACM certificate for public_hostname (a DNS name you point at the ALB).
    certificate_arn: str | None = Field(default=None, pattern=r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/")
    public_hostname: str | None = Field(default=None, pattern=DNS_NAME)
    # Without a certificate: plain HTTP, credentials readable on the wire. Must be chosen explicitly.
    allow_plain_http: bool = False
    # SHA-256 of abctl-<version>-linux-amd64.tar.gz; the instance refuses any other download.
    abctl_sha256: str | None = Field(default=None, pattern=r"^[0-9A-Fa-f]{64}$")
    vpc_id: str | None = Field(default=None, pattern=r"^vpc-[0-9a-f]+$")
    subnet_ids: list[str] = Field(default_factory=list)
    ami_id: str | None = Field(default=None, pattern=r"^ami-[0-9a-f]+$")
    detailed_monitoring: bool = True
    data_snapshots: bool = True  # daily DLM snapshots of Airbyte's data volume
    # Reach Airbyte at another address than the ALB (a tunnel, a VPN, an existing Airbyte).
    url: str | None = Field(default=None, pattern=r"^https?://[^\s]+$")

    @property
    def plain_http(self) -> bool:
        return self.certificate_arn is None


# Fargate's valid task sizes: CPU units -> allowed memory (MiB). Amazon ECS developer guide, "Task CPU and memory"
# (docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size); the
# ecs_runner module checks the same table.
FARGATE_MEMORY: dict[int, range | tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: range(1024, 4097, 1024),
    1024: range(2048, 8193, 1024),
    2048: range(4096, 16385, 1024),
    4096: range(8192, 30721, 1024),
    8192: range(16384, 61441, 4096),
    16384: range(32768, 122881, 8192),
}


def fargate_memory_text(cpu: int) -> str:
    allowed = FARGATE_MEMORY[cpu]
    if isinstance(allowed, range):
        return f"{allowed.start}-{allowed.stop - 1} MiB in steps of {allowed.step}"
    return ", ".join(str(m) for m in allowed) + " MiB"


class RunnerDeploy(Strict):
    schedule: str = Field(
        default="rate(6 hours)", pattern=r"^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$"
    )
    image: str | None = Field(default=None, description="A pre-built runner image URI; default: build and push")
    cpu: Literal[256, 512, 1024, 2048, 4096, 8192, 16384] = 1024
    memory: Annotated[int, Field(ge=512, le=122880)] = 4096

    @model_validator(mode="after")
    def _fargate_size(self) -> RunnerDeploy:
        if self.memory not in FARGATE_MEMORY[self.cpu]:
            raise ValueError(
                f"memory {self.memory} is not a Fargate size for cpu {self.cpu}: use {fargate_memory_text(self.cpu)}"
            )
        return self


def covers_everything(cidrs: list[str]) -> bool:
    """True when the CIDR blocks together are the whole IPv4 internet (0.0.0.0/0 itself, or pieces of it)."""
    import ipaddress

    networks = [ipaddress.ip_network(c, strict=False) for c in cidrs]
    v4 = [n for n in networks if isinstance(n, ipaddress.IPv4Network)]
    return list(ipaddress.collapse_addresses(v4)) == [ipaddress.IPv4Network("0.0.0.0/0")]


class AwsConfig(Strict):
    # ASCII only ([a-z], [0-9]): a look-alike letter or digit must not reach the AWS SDK or Terraform.
    region: str = Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]{1,2}$")
    profile: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.+-]+$")
    allowed_cidrs: list[str] = Field(min_length=1)
    alert_email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
    ssm_prefix: str | None = Field(default=None, pattern=r"^(/[A-Za-z0-9_.-]+)+$")  # default /tapestry/<project>
    state_backend: TerraformBackend = TerraformBackend()
    airbyte: AirbyteDeploy = AirbyteDeploy()
    runner: RunnerDeploy = RunnerDeploy()

    @field_validator("region", mode="before")
    @classmethod
    def _ascii_region(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.isascii():
            raise ValueError(f"{value!r} has non-ASCII characters; AWS regions are ASCII, like us-east-1")
        return value

    @field_validator("allowed_cidrs")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        import ipaddress

        for item in value:
            network = ipaddress.ip_network(item, strict=True)
            if network.prefixlen == 0:
                raise ValueError(f"{item} would open Airbyte to the whole internet")
        if covers_everything(value):
            raise ValueError(
                f"{', '.join(value)} together cover the whole internet (like 0.0.0.0/0); list only your own networks"
            )
        return value

    @model_validator(mode="after")
    def _airbyte_transport(self) -> AwsConfig:
        airbyte = self.airbyte
        if airbyte.certificate_arn and not airbyte.public_hostname:
            raise ValueError(
                "airbyte.certificate_arn needs airbyte.public_hostname: no ACM certificate covers the load "
                "balancer's amazonaws.com name; set it to the certificate's DNS name (pointed at the load balancer)"
            )
        if airbyte.certificate_arn is None and not airbyte.allow_plain_http:
            raise ValueError(
                "airbyte.certificate_arn is missing: without it Airbyte is served over plain HTTP and its admin "
                "client secret and the Snowflake loader's private key cross the network unencrypted; set "
                "certificate_arn and public_hostname, or allow_plain_http: true to accept that"
            )
        if airbyte.abctl_sha256 is None:
            raise ValueError(
                "airbyte.abctl_sha256 is missing: the SHA-256 of abctl-v0.30.4-linux-amd64.tar.gz (the digest on "
                "github.com/airbytehq/abctl/releases, or `sha256sum` of a copy you trust); the instance installs "
                "nothing else"
            )
        return self


class Transform(Strict):
    project_dir: str = "dbt_project"
    threads: Annotated[int, Field(ge=1, le=32)] = 2
    analytics_schema: str = Field(default="analytics", pattern=r"^[a-z_][a-z0-9_]*$")  # staging, intermediate
    marts_schema: str = Field(default="marts", pattern=r"^[a-z_][a-z0-9_]*$")  # what the sync reads


class TagMapping(Strict):
    """A Mailchimp tag: a constant `name`, or the value of `column` (skipped when null/empty)."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    column: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> TagMapping:
        if (self.name is None) == (self.column is None):
            raise ValueError("a tag needs exactly one of `name` (constant) or `column`")
        return self


class Mapping(Strict):
    email: str = "email_address"
    merge_fields: dict[str, str] = Field(default_factory=lambda: {"FNAME": "first_name", "LNAME": "last_name"})
    tags: list[TagMapping] = Field(default_factory=list)

    @field_validator("merge_fields")
    @classmethod
    def _merge_tags(cls, value: dict[str, str]) -> dict[str, str]:
        for tag in value:
            if not MERGE_TAG.match(tag):
                raise ValueError(f"merge field tag {tag!r} must be 1-10 upper-case letters, digits or _")
        return value


class Mailchimp(Strict):
    list_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{1,64}$")
    api_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(:\d+)?/.*\d\.\d$")
    api_key: SecretRef = SecretRef(env="MAILCHIMP_API_KEY")


class Sync(Strict):
    enabled: bool = True
    model: str = Field(default="mailchimp_audience", pattern=r"^[a-z_][a-z0-9_]*$")
    mode: Literal["upsert", "mirror"] = "upsert"
    mailchimp: Mailchimp = Mailchimp()
    mapping: Mapping = Mapping()
    concurrency: Annotated[int, Field(ge=1, le=10)] = 8  # Mailchimp allows 10 connections per user
    bulk_threshold: Annotated[int, Field(ge=1)] = 500  # this many operations or more use POST /batches
    batch_size: Annotated[int, Field(ge=1, le=10_000)] = 2_500


class ProjectConfig(Strict):
    schema_version: Literal[1] = 1
    project: str = Field(pattern=r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$")
    target: Literal["local", "aws"] = "local"
    template: str = "zoom_salesforce_mailchimp"
    warehouse: LocalWarehouse | SnowflakeWarehouseConfig = Field(default=LocalWarehouse(), discriminator="type")
    aws: AwsConfig | None = None
    sources: Sources = Sources()
    transform: Transform = Transform()
    sync: Sync = Sync()

    @model_validator(mode="after")
    def _target_fits(self) -> ProjectConfig:
        if self.target == "local":
            if not isinstance(self.warehouse, LocalWarehouse):
                raise ValueError("target local uses warehouse.type duckdb")
            return self
        if self.aws is None:
            raise ValueError("target aws needs an `aws:` section (region, allowed_cidrs, ...)")
        if not isinstance(self.warehouse, SnowflakeWarehouseConfig):
            raise ValueError("target aws uses warehouse.type snowflake")
        if self.template == "blank":  # infrastructure only: no sources or sync to configure
            return self
        zoom, salesforce = self.sources.zoom, self.sources.salesforce
        missing = [
            name
            for name, value in (
                ("sources.zoom.account_id", zoom.account_id),
                ("sources.zoom.client_id", zoom.client_id),
                ("sources.zoom.client_secret", zoom.client_secret),
                ("sources.salesforce.client_id", salesforce.client_id),
                ("sources.salesforce.client_secret", salesforce.client_secret),
                ("sources.salesforce.refresh_token", salesforce.refresh_token),
            )
            if value is None
        ]
        if self.sync.enabled and not self.sync.mailchimp.list_id:
            missing.append("sync.mailchimp.list_id")
        if missing:
            raise ValueError(f"target aws needs {', '.join(missing)}")
        return self

    @property
    def snowflake(self) -> SnowflakeWarehouseConfig:
        if not isinstance(self.warehouse, SnowflakeWarehouseConfig):
            raise ConfigError(f"project {self.project} has no Snowflake warehouse", "this needs target aws")
        return self.warehouse

    @property
    def ssm_prefix(self) -> str:
        configured = self.aws.ssm_prefix if self.aws else None
        return configured or f"/tapestry/{self.project}"


def _find_secret_values(data: Any, path: str = "") -> list[str]:
    """Keys that look like secrets but hold a plain value: the config must only reference secrets."""
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            is_reference_field = key in {"env", "secret"}  # the `{env: ...}` / `{secret: ...}` reference itself
            if SECRET_WORDS.search(str(key)) and not is_reference_field and isinstance(value, str | int):
                found.append(where)
            found += _find_secret_values(value, where)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += _find_secret_values(value, f"{path}[{i}]")
    return found


def parse_config(data: Any, origin: str) -> ProjectConfig:
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: expected a mapping of settings", "see the configuration reference in README.md")
    leaked = _find_secret_values(data)
    if leaked:
        raise ConfigError(
            f"{origin}: {clip(leaked[0], 120)} holds a secret value; tapestry.yml may only reference secrets",
            f"remove the value and write `{clip(leaked[0].rsplit('.', 1)[-1], 60)}: {{env: VARIABLE_NAME}}`",
        )
    try:
        return ProjectConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors()[:20]:
            loc = clip(".".join(str(p) for p in err["loc"]), 120) or "(top level)"
            problems.append(f"{loc}: {clip(err['msg'])}")
        raise ConfigError(
            f"{origin}: {'; '.join(problems)}", "correct these settings (see the configuration reference)"
        ) from None


def load_config(project_dir: Path) -> ProjectConfig:
    from tapestry.core.yamlfile import read_yaml_file

    path = project_dir / CONFIG_FILE
    if not path.is_file():
        raise ConfigError(
            f"{project_dir} is not a Tapestry project (no {CONFIG_FILE})",
            "run `tapestry init DIR` first, or pass --project DIR",
        )
    return parse_config(read_yaml_file(path), str(path))
