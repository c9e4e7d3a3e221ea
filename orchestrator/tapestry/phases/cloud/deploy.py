"""`tapestry deploy` / the deploy half of `tapestry kickstart`.

Order: secrets -> Snowflake || AWS ingestion -> Airbyte configuration -> first Airbyte syncs + dbt build ->
ECS runner -> first sync -> dashboard, each declared once in `DEPLOY_PHASES` (what it runs, the parts of
tapestry.yml and the upstream outputs it depends on, whether it hands secrets on). Every phase records its
typed summary; a phase that already succeeded with the same inputs is skipped, so a rerun resumes at the
first unfinished phase and a second full run changes nothing. The template chooses which phases a project
has.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from tapestry import __version__
from tapestry.core.errors import ConfigError, TapestryError
from tapestry.core.fs import sha256_tree
from tapestry.engines.images import docker
from tapestry.engines.ingest.airbyte import AirbyteClient
from tapestry.engines.secrets.keys import generate_rsa_keypair, public_key_of
from tapestry.engines.terraform.runner import PlanSummary
from tapestry.engines.warehouse.snowflake_checks import check_role, check_warehouse
from tapestry.kickstart.render import render_json
from tapestry.kickstart.spec import TemplateSpec
from tapestry.phases.cloud import pipeline
from tapestry.phases.cloud.env import (
    ROLES,
    CloudEnv,
    airbyte_snowflake_host,
    holds_resource_monitor,
    snowflake_admin_env,
    snowflake_objects,
    snowflake_stack_context,
)
from tapestry.phases.cloud.stacks import apply_stack, stack_variables, state_addresses
from tapestry.phases.runner import Concurrently, Phase, PhaseSkipped, run_phases
from tapestry.phases.secrets import referenced_secrets, secret_env_name
from tapestry.phases.sources import airbyte_connections, airbyte_sources
from tapestry.phases.sync_phase import SyncRequest, sync_phase
from tapestry.project.config import ProjectConfig, SecretRef
from tapestry.project.state import RunRecord, project_lock
from tapestry.project.summaries import (
    AirbyteSummary,
    DashboardSummary,
    EcsRunnerSummary,
    FirstBuildSummary,
    PhaseSummary,
    SecretsSummary,
    SnowflakeSummary,
    StackSummary,
    as_stored,
)
from tapestry.resources import bundled
from tapestry.sources.base import SecretLookup

if TYPE_CHECKING:
    from tapestry.phases.target import Target

RUNNER_PROJECT_DIR = "/opt/tapestry-project"


def _pick(data: Any, path: str) -> Any:
    for part in filter(None, path.split(".")):
        data = data.get(part) if isinstance(data, dict) else None
    return data


class DeployError(TapestryError):
    """A deploy step cannot go on; the message names the prerequisite."""


@dataclass(frozen=True)
class DeployOptions:
    plan_only: bool = False  # show every stack's plan, apply nothing
    refresh: bool = False  # re-check phases that already succeeded with the same inputs
    poll_seconds: float = 10.0
    health_timeout: float = 1800.0


PLAIN_HTTP_WARNING = (
    "PLAIN HTTP (aws.airbyte.allow_plain_http): Airbyte has no TLS, so its admin client secret and the Snowflake "
    "loader's private key cross the network unencrypted between your allowed CIDRs and the load balancer, and the "
    "UI login cookie is not Secure. Set aws.airbyte.certificate_arn and public_hostname for real data."
)


class Deploy:
    def __init__(self, target: Target, env: CloudEnv, options: DeployOptions) -> None:
        self.target = target  # runs the first sync like any other
        self.env = env
        self.options = options
        self.ctx = env.ctx
        self.secrets_written: list[str] = []

    # -- orchestration -------------------------------------------------------------------------------------

    def phases(self) -> list[Phase | Concurrently]:
        """The template's phases, in its order; a phase declared `alongside` another runs at the same time."""
        chosen = self.env.template.phases
        unknown = sorted(set(chosen) - set(ALL_PHASES))
        if unknown:
            raise ConfigError(
                f"template {self.env.template.name} lists unknown phases {', '.join(unknown)}",
                f"use some of: {', '.join(ALL_PHASES)}",
            )
        together: dict[str, list[Phase]] = {}
        for name in chosen:
            spec = PHASES[name]
            phase = Phase(name, self._runner(spec), spec.describe)
            if spec.alongside in together:  # listed before it: they run as one step
                together[spec.alongside].append(phase)
            else:
                together[name] = [phase]
        return [group[0] if len(group) == 1 else Concurrently(tuple(group)) for group in together.values()]

    def run(self) -> RunRecord:
        with project_lock(self.ctx.layout.lock_file):
            command = "deploy --plan" if self.options.plan_only else "deploy"
            return run_phases(command, self.phases(), self.ctx.store, self.ctx.state, self.ctx.reporter)

    def _fingerprint(self, spec: DeployPhase) -> str:
        """Changes when anything the phase depends on changes: its part of the config, the template,
        Terraform, Tapestry, or the outputs of the phases before it."""
        state = self.ctx.state
        upstream = {name: state.stack_outputs(name) for name in spec.upstream if name in state.phases}
        config = self.ctx.config.model_dump(mode="json")
        inputs = {path: _pick(config, path) for path in spec.inputs}
        digest = hashlib.sha256()
        digest.update(json.dumps(inputs, sort_keys=True).encode())
        digest.update(sha256_tree(self.env.template.folder).encode())
        digest.update(sha256_tree(bundled("terraform"), frozenset({".terraform", "tests"})).encode())
        digest.update(__version__.encode())
        digest.update(json.dumps(upstream, sort_keys=True, default=str).encode())
        return digest.hexdigest()

    def _runner(self, spec: DeployPhase) -> Callable[[], PhaseSummary]:
        """The phase's run, skipped when it already succeeded with the same inputs (resumable phases)."""
        if not spec.resumable:
            return lambda: spec.run(self)

        def resumable() -> PhaseSummary:
            fingerprint = self._fingerprint(spec)
            last = self.ctx.state.phases.get(spec.name)
            if (
                not self.options.refresh
                and not self.options.plan_only
                and not (spec.uses_secrets and self._rotate())  # a changed secret must reach its users
                and last is not None
                and last.status == "succeeded"
                and last.typed().inputs_fingerprint == fingerprint
            ):
                raise PhaseSkipped({}, "done; nothing changed since")
            summary = spec.run(self)
            if not self.options.plan_only:
                summary.inputs_fingerprint = fingerprint
            return summary

        return resumable

    def _plan_only(self, what: str) -> None:
        if self.options.plan_only:
            raise PhaseSkipped({}, f"--plan: {what} is not planned (no Terraform stack)")

    # -- phases --------------------------------------------------------------------------------------------

    def secrets(self) -> SecretsSummary:
        """Answers' secrets to SSM (SecureString, per-project path); Snowflake key pairs when Tapestry
        manages the objects. Only names are ever printed or recorded."""
        env = self.env
        written, unchanged, generated = [], 0, []
        if not self.options.plan_only:
            for name, value in sorted(env.resolver.provided.items()):
                if env.store.put(name, value, description=f"Tapestry {self.ctx.config.project}: {name}"):
                    written.append(name)
                else:
                    unchanged += 1
            if env.snowflake.manage_objects:
                for role in ROLES:
                    ref = env.private_key_ref(role)
                    if ref.secret and not env.resolver.get(ref):
                        private_pem, _ = generate_rsa_keypair()
                        env.store.put(ref.secret, private_pem, description=f"Snowflake {role} service user key")
                        generated.append(ref.secret)
        missing = [
            f"{path} ({ref.secret or ref.env})"
            for path, ref in referenced_secrets(self.ctx.config)
            if not env.resolver.get(ref)
        ]
        if missing and not self.options.plan_only:
            raise ConfigError(
                f"secrets missing: {', '.join(missing)}",
                "rerun the kickstart with those answers, or `tapestry secrets set NAME --project ...`",
            )
        self.secrets_written = written + generated
        return SecretsSummary(written=written, unchanged=unchanged, generated=generated, ssm_prefix=env.store.prefix)

    def snowflake(self) -> SnowflakeSummary:
        env = self.env
        objects = env.objects
        names = {k: v for k, v in asdict(objects).items() if isinstance(v, str)}
        if objects.resource_monitor is None:
            names.pop("resource_monitor_name")  # a name for a monitor that does not exist
        if env.snowflake.manage_objects:
            public_keys = {
                role: public_key_of(env.resolver.require(env.private_key_ref(role), f"Snowflake {role} key"))
                for role in ROLES
            }
            admin_env = snowflake_admin_env(env)
            # A monitor still in the state (config removed it) is dropped through ACCOUNTADMIN as well.
            in_state = holds_resource_monitor(state_addresses(env, "snowflake", admin_env))
            variables = stack_variables(env, "snowflake", snowflake_stack_context(objects, public_keys, in_state))
            plan, outputs = apply_stack(env, "snowflake", variables, self.options.plan_only, admin_env)
            if self.options.plan_only:
                raise _planned(plan)
            problems = self._verify_roles()
            if problems:
                raise DeployError(f"Snowflake service users cannot work: {'; '.join(problems)}", "see tapestry doctor")
            return SnowflakeSummary(
                mode="managed",
                plan=plan.headline(),
                headline=f"{plan.headline()}; service users verified",
                outputs={"names": names, **outputs},
            )
        self._plan_only("Snowflake (existing objects: verified only)")
        problems = self._verify_roles()
        if problems:
            raise DeployError(
                f"the existing Snowflake objects are not ready: {'; '.join(problems)}",
                "have your DBA run `tapestry snowflake-sql` (same prefix), then rerun the deploy",
            )
        return SnowflakeSummary(
            mode="existing",
            headline=f"existing objects verified: {', '.join(ROLES)} can do their jobs",
            outputs={"names": names},
        )

    def _verify_roles(self) -> list[str]:
        """Log in as every service user at once (an unreachable Snowflake costs one login timeout, not three)
        and check that each can do its job."""

        def verify(role: str) -> list[str]:
            try:
                with self.env.open_snowflake(role) as warehouse:
                    problems = [f"{role}: {p}" for p in check_role(warehouse, role, self.env.objects)]
                    if role == "syncer":  # any service role sees the warehouse; one look is enough
                        problems += check_warehouse(warehouse, self.env.objects)
                    return problems
            except TapestryError as exc:
                return [f"{role}: {exc.message}"]

        with ThreadPoolExecutor(max_workers=len(ROLES), thread_name_prefix="snowflake-login") as pool:
            return [problem for problems in pool.map(verify, ROLES) for problem in problems]

    def aws_ingestion(self) -> StackSummary:
        if self.env.aws.airbyte.plain_http:
            self.ctx.reporter.warn(PLAIN_HTTP_WARNING)
        variables = stack_variables(self.env, "aws_ingestion", {})
        plan, outputs = apply_stack(self.env, "aws_ingestion", variables, self.options.plan_only)
        airbyte = self.env.aws.airbyte
        if not airbyte.plain_http and outputs.get("alb_dns_name"):
            dns = f"a CNAME (or Route 53 alias) from {airbyte.public_hostname} to {outputs['alb_dns_name']}"
            if airbyte.url:  # the deploy reaches Airbyte elsewhere; the name matters for the UI only
                self.ctx.reporter.info(f"aws_ingestion: Airbyte's UI is served over HTTPS once {dns} exists")
            else:
                self.ctx.reporter.warn(
                    f"create {dns} now, if it does not exist yet: Airbyte is served over HTTPS on that name only, "
                    f"and the next phase waits for https://{airbyte.public_hostname}/api/v1/health while Airbyte "
                    "installs (up to 30 minutes)"
                )
        if self.options.plan_only:
            raise _planned(plan)
        return StackSummary(plan=plan.headline(), outputs=outputs)

    def airbyte(self) -> AirbyteSummary:
        self._plan_only("Airbyte configuration")
        env = self.env
        client = pipeline.airbyte_client(env)
        try:
            waited = client.wait_healthy(timeout=self.options.health_timeout, poll=self.options.poll_seconds)
            workspace = client.workspace_id()
            payloads = airbyte_payloads(env.template, self.ctx.config, env.resolver.get, self._airbyte_context())
            configured = configure_airbyte(client, workspace, payloads, self._rotate())
        finally:
            client.close()
        for action in configured.actions:
            self.ctx.reporter.info(f"airbyte: {action}")
        return AirbyteSummary(
            healthy_after_seconds=round(waited, 1),
            actions=configured.actions,
            outputs={
                "workspace_id": workspace,
                "sources": configured.source_ids,
                "destination_id": configured.destination_id,
                "connections": configured.connection_ids,
            },
        )

    def _rotate(self) -> bool:
        """Airbyte masks secrets, so they are resent only when this deploy changed one in SSM."""
        return any(not name.startswith("snowflake/admin") for name in self.secrets_written)

    def _airbyte_context(self) -> dict[str, Any]:
        env = self.env
        names = {ref.secret for _, ref in referenced_secrets(self.ctx.config) if ref.secret}
        names.add(env.private_key_ref("loader").secret or "")
        secrets = {name: env.resolver.get(SecretRef(secret=name)) for name in names if name}
        return airbyte_context(self.ctx.config, secrets)

    def first_build(self) -> FirstBuildSummary:
        self._plan_only("the first Airbyte syncs and dbt build")
        ingest = pipeline.ingest_with_airbyte(self.env, poll_seconds=self.options.poll_seconds)
        built = pipeline.transform_on_snowflake(self.env)
        return FirstBuildSummary.model_validate({**built.stored(), "airbyte": ingest.stored()})

    def ecs_runner(self) -> EcsRunnerSummary:
        env = self.env
        ingestion = self.ctx.state.stack_outputs("aws_ingestion")
        if self.options.plan_only and not ingestion:
            raise PhaseSkipped({}, "--plan: planned once aws_ingestion is applied (it needs its VPC and subnets)")
        image_uri = env.aws.runner.image
        image_tag = image_uri.rsplit(":", 1)[-1] if image_uri and "@" not in image_uri else self._image_tag()
        if image_uri is None and not self.options.plan_only:
            docker.require_docker()
        secret_arns = {} if self.options.plan_only else self._runner_secret_arns(ingestion)
        environment = {
            "TAPESTRY_PROJECT": RUNNER_PROJECT_DIR,
            "TAPESTRY_STATE_DIR": "/home/tapestry/.tapestry",
            "TAPESTRY_AIRBYTE_URL": str(ingestion.get("airbyte_internal_url", "")),
        }
        variables = stack_variables(
            env,
            "ecs_runner",
            {
                "ingestion": ingestion,
                "image_tag": image_tag,
                "image_uri": image_uri,
                "environment": environment,
                "secret_arns": secret_arns,
            },
        )
        plan, outputs = apply_stack(env, "ecs_runner", variables, self.options.plan_only)
        if self.options.plan_only:
            raise _planned(plan)
        if image_uri is None:
            self._build_and_push(str(outputs["ecr_repository_url"]), image_tag)
        return EcsRunnerSummary(plan=plan.headline(), image=outputs.get("image"), outputs=outputs)

    def _runner_secret_arns(self, ingestion: dict[str, Any]) -> dict[str, str]:
        """What the runner task needs at run time, as SSM ARNs ECS injects into its environment."""
        env = self.env
        wanted = {
            ref.secret
            for path, ref in referenced_secrets(self.ctx.config)
            if ref.secret and "admin" not in path and "loader" not in path
        }
        arns = {secret_env_name(name): env.store.arn(name) for name in sorted(wanted)}
        arns["TAPESTRY_AIRBYTE_CLIENT_ID"] = str(ingestion["airbyte_client_id_parameter_arn"])
        arns["TAPESTRY_AIRBYTE_CLIENT_SECRET"] = str(ingestion["airbyte_client_secret_parameter_arn"])
        return arns

    def _image_tag(self) -> str:
        layout = self.ctx.layout
        return docker.project_image_tag(__version__, layout.config_file, layout.dbt_project_dir(self.ctx.config))

    def _build_and_push(self, repository: str, tag: str) -> str:
        """The runner image with this project's tapestry.yml and dbt project, pushed to the stack's ECR."""
        token = self.env.client("ecr").get_authorization_token()["authorizationData"][0]["authorizationToken"]
        login = docker.RegistryLogin.from_ecr_token(repository, token)
        return docker.build_and_push(repository, tag, login, self.ctx.layout.root, RUNNER_PROJECT_DIR)

    def first_sync(self) -> PhaseSummary:
        self._plan_only("the first sync")
        return PhaseSummary.model_validate(as_stored(sync_phase(self.target, SyncRequest())))  # the sync's record

    def dashboard(self) -> DashboardSummary:
        self._plan_only("the dashboard")
        ingestion = self.ctx.state.stack_outputs("aws_ingestion")
        links = {
            "airbyte": self.env.aws.airbyte.url or ingestion.get("airbyte_url"),
            "snowflake": "https://app.snowflake.com/",
        }  # each sync's destination link comes from its plugin (the dashboard asks them)
        command = f"tapestry dashboard --project {shlex.quote(str(self.ctx.layout.root))}"  # pasted into a shell
        self.ctx.reporter.info(f"dashboard: {command}")
        return DashboardSummary(links={k: v for k, v in links.items() if v}, command=command)


def _planned(plan: PlanSummary) -> PhaseSkipped:
    """--plan: the stack's plan is recorded with the run, never as the phase's result."""
    return PhaseSkipped(StackSummary(plan=plan.headline(), resources=plan.resources), f"--plan: {plan.headline()}")


@dataclass(frozen=True)
class DeployPhase:
    """One deploy phase, declared once."""

    name: str
    describe: str  # printed as it starts
    run: Callable[[Deploy], PhaseSummary]
    inputs: tuple[str, ...] = ("",)  # the parts of tapestry.yml it depends on ("" = all of it)
    upstream: tuple[str, ...] = ()  # the phases whose recorded outputs it consumes
    uses_secrets: bool = False  # hands secrets to something that keeps them: reruns when one changed in SSM
    resumable: bool = True  # False: runs every time (cheap, and writes nothing when nothing changed)
    alongside: str | None = None  # runs at the same time as this phase when the template has both


DEPLOY_PHASES: tuple[DeployPhase, ...] = (
    DeployPhase("secrets", "secrets -> SSM Parameter Store", Deploy.secrets, resumable=False),
    DeployPhase(
        "snowflake",
        "warehouse, databases, roles, service users",
        Deploy.snowflake,
        ("project", "warehouse", "sources"),  # a raw schema per source
    ),
    DeployPhase(
        "aws_ingestion",
        "Airbyte on EC2 behind an ALB",
        Deploy.aws_ingestion,
        (
            "project",
            "aws.region",
            "aws.allowed_cidrs",
            "aws.alert_email",
            "aws.airbyte",
            "aws.state_backend",
            "aws.ssm_prefix",
        ),
        alongside="snowflake",
    ),
    DeployPhase(
        "airbyte",
        "sources, destination, connections",
        Deploy.airbyte,
        ("project", "sources", "warehouse", "aws.airbyte.url"),
        upstream=("snowflake", "aws_ingestion"),
        uses_secrets=True,
    ),
    DeployPhase(
        "first_build",
        "first Airbyte syncs, dbt build",
        Deploy.first_build,
        ("project", "warehouse", "transform", "identity"),  # the identity var of the dbt build
        upstream=("airbyte",),
    ),
    DeployPhase(
        "ecs_runner",
        "scheduled Fargate task running `tapestry run`",
        Deploy.ecs_runner,
        ("project", "aws", "warehouse", "sources", "syncs", "identity"),  # the image has tapestry.yml
        upstream=("aws_ingestion",),
        uses_secrets=True,
    ),
    DeployPhase(
        "first_sync", "every sync, in order", Deploy.first_sync, ("project", "warehouse", "syncs"), ("first_build",)
    ),
    DeployPhase(
        "dashboard", "links and health", Deploy.dashboard, ("project", "aws.airbyte.url"), upstream=("aws_ingestion",)
    ),
)
PHASES = {phase.name: phase for phase in DEPLOY_PHASES}
ALL_PHASES = tuple(PHASES)


@dataclass(frozen=True)
class AirbytePayloads:
    """The project's Airbyte objects, built in memory with the secrets (never written): a source and a
    connection per source, from its plugin; the Snowflake destination, from the template."""

    sources: list[dict[str, Any]]
    destination: dict[str, Any]
    connections: list[dict[str, Any]]


def airbyte_context(config: ProjectConfig, secrets: dict[str, str | None]) -> dict[str, Any]:
    """What the template's Airbyte destination render sees: the project's settings and the secrets by SSM name."""
    return {
        "project": config.project,
        "sources": {name: source.model_dump() for name, source in config.sources.items()},
        "secrets": secrets,
        "objects": asdict(snowflake_objects(config)),
        "snowflake_host": airbyte_snowflake_host(config.snowflake),
    }


def airbyte_payloads(
    template: TemplateSpec, config: ProjectConfig, secret: SecretLookup, context: dict[str, Any]
) -> AirbytePayloads:
    """`secret` reads the secrets the sources' settings reference; `context` is `airbyte_context(...)`."""
    return AirbytePayloads(
        sources=airbyte_sources(config, secret),
        destination=dict(render_json(template, "airbyte_destination", context)),
        connections=airbyte_connections(config),
    )


@dataclass
class AirbyteConfigured:
    actions: list[str]  # "source acme-crm: unchanged", ...
    source_ids: dict[str, str]
    destination_id: str
    connection_ids: dict[str, str]


def configure_airbyte(
    client: AirbyteClient, workspace: str, payloads: AirbytePayloads, rotate_secrets: bool
) -> AirbyteConfigured:
    """Create or update the template's sources, destination and connections; what already matches what the
    server returns is left alone (no write)."""
    actions = []
    source_ids = {}
    for source in payloads.sources:
        result = client.ensure_source(workspace, source["name"], source["configuration"], rotate_secrets)
        source_ids[result.name] = result.id
        actions.append(f"source {result.name}: {result.action}")
    destination = payloads.destination
    dest = client.ensure_destination(workspace, destination["name"], destination["configuration"], rotate_secrets)
    actions.append(f"destination {dest.name}: {dest.action}")
    connection_ids = {}
    for connection in payloads.connections:
        result = client.ensure_connection(
            workspace,
            connection["name"],
            source_ids[connection["source"]],
            dest.id,
            connection["streams"],
            {"scheduleType": "manual"},  # the ECS runner triggers syncs, then dbt, then the sync
            connection["namespace_format"],
        )
        connection_ids[result.name] = result.id
        actions.append(f"connection {result.name}: {result.action}")
    return AirbyteConfigured(actions, source_ids, dest.id, connection_ids)


def deploy(target: Target, env: CloudEnv, options: DeployOptions) -> RunRecord:
    return Deploy(target, env, options).run()
