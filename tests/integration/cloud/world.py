"""A whole fake cloud for `tapestry kickstart --target aws`: AWS (moto), Snowflake (fakesnow server
behind a switchable proxy, objects created by the DBA script, i.e. "existing objects"), Airbyte,
Mailchimp, and Terraform with the offline provider mirror.

The Airbyte fake lands the demo export rows in Snowflake when a sync job succeeds, the way Airbyte's
Snowflake destination would (upper-case RAW.<NAMESPACE>.<STREAM> tables with _AIRBYTE_* columns).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fakes.airbyte import FakeAirbyte
from fakes.mailchimp import FakeMailchimp
from support.fakesnow_server import FakesnowServer
from support.moto_server import MotoServer, clean_env
from support.terraform_env import find_provider_mirror, terraform_env, write_cli_config
from tapestry.demo.generator import generate
from tapestry.engines.secrets.keys import generate_rsa_keypair
from tapestry.engines.warehouse.snowflake_objects import SnowflakeObjects, render_sql

LIST_ID = "cloudlist1"
AMI = "ami-03c3da4cfa8e8943a"  # what moto answers for Amazon Linux 2023 in us-east-1
AIRBYTE_HOSTNAME = "airbyte.acme.example"


class SwitchableProxy:
    """A TCP forwarder in front of the fake Snowflake that can turn logins away.

    Disabled, it answers every request with HTTP 403, which the connector reads as a login Snowflake refuses
    ("Failed to connect to DB. Verify the account name is correct") and gives up at once. An unreachable
    host would be retried for the whole login timeout (60 s per login) and prove nothing more about the
    phase that fails.
    """

    FORBIDDEN = (
        b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 9\r\nConnection: close\r\n\r\nForbidden"
    )

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.enabled = True
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            if not self.enabled:
                threading.Thread(target=self._forbid, args=(client,), daemon=True).start()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _forbid(self, client: socket.socket) -> None:
        with client:
            try:
                client.settimeout(10)
                head = b""
                while b"\r\n\r\n" not in head and (chunk := client.recv(65536)):
                    head += chunk  # the request line and headers; the answer does not depend on the body
                client.sendall(self.FORBIDDEN)
            except OSError:
                pass

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._server.close()


@dataclass
class CloudWorld:
    root: Path
    moto: MotoServer
    snow: FakesnowServer
    snow_proxy: SwitchableProxy
    airbyte: FakeAirbyte
    mailchimp: FakeMailchimp
    env: dict[str, str]
    keys: dict[str, str]  # role -> private key PEM
    exports: Path
    secrets: dict[str, str] = field(default_factory=dict)

    def tapestry(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 900
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tapestry", *args],
            cwd=self.root,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def answers(self, project: str, **overrides: Any) -> Path:
        import yaml

        keys = self.root / "keys"
        answers: dict[str, Any] = {
            "project_name": project,
            "target": "aws",
            "aws_region": "us-east-1",
            "allowed_cidrs": ["203.0.113.0/24"],
            "alert_email": "ops@example.com",
            "airbyte_ami_id": AMI,
            "airbyte_detailed_monitoring": False,  # moto has no MonitorInstances
            "airbyte_data_snapshots": False,  # nor Data Lifecycle Manager
            # HTTPS on the load balancer (the fake Airbyte itself is reached at airbyte_url).
            "certificate_arn": self.moto.boto3_client("acm").request_certificate(DomainName=AIRBYTE_HOSTNAME)[
                "CertificateArn"
            ],
            "airbyte_public_hostname": AIRBYTE_HOSTNAME,
            "abctl_sha256": "ab" * 32,  # never downloaded: moto runs no user_data
            "airbyte_url": self.airbyte.root_url,
            "schedule": "rate(6 hours)",
            "runner_image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/tapestry-runner:1.0.0",
            "snowflake_account": "acme-analytics",
            "snowflake_prefix": "TAPESTRY",
            "snowflake_manage_objects": False,
            "snowflake_loader_private_key": f"file:{keys / 'loader.pem'}",
            "snowflake_transformer_private_key": f"file:{keys / 'transformer.pem'}",
            "snowflake_syncer_private_key": f"file:{keys / 'syncer.pem'}",
            "snowflake_endpoint": f"http://127.0.0.1:{self.snow_proxy.port}",
            "zoom_account_id": "acc-12345",
            "zoom_client_id": "zoomclient1",
            "zoom_client_secret": "env:TEST_ZOOM_SECRET",
            "salesforce_client_id": "sf-consumer-key-123",
            "salesforce_client_secret": "env:TEST_SF_SECRET",
            "salesforce_refresh_token": "env:TEST_SF_REFRESH",
            "mailchimp_list_id": LIST_ID,
            "mailchimp_api_key": "env:TEST_MAILCHIMP_KEY",
            "mailchimp_api_url": self.mailchimp.base_url,
            "sync_mode": "upsert",
            **overrides,
        }
        path = self.root / f"{project}-answers.yml"
        path.write_text(yaml.safe_dump(answers, sort_keys=False))
        return path

    def put_airbyte_credentials(self, project: str) -> None:
        """What the Airbyte instance's user_data does on a real EC2 host after installing Airbyte."""
        ssm = self.moto.boto3_client("ssm")
        for name, value in (("client-id", self.airbyte.client_id), ("client-secret", self.airbyte.client_secret)):
            ssm.put_parameter(
                Name=f"/tapestry/{project}/airbyte/{name}", Value=value, Type="SecureString", Overwrite=True
            )

    def snowflake_rows(self, sql: str) -> list[tuple[Any, ...]]:
        con = self.snow.connect(database="TAPESTRY_ANALYTICS")
        try:
            return [tuple(r) for r in con.cursor().execute(sql).fetchall()]
        finally:
            con.close()


def _land_rows(snow: FakesnowServer, exports: Path, connection: dict[str, Any]) -> int:
    """Airbyte's Snowflake destination, as far as the pipeline can tell: typed, upper-case tables."""
    name = str(connection.get("name", ""))
    con = snow.connect(database="TAPESTRY_RAW")
    cursor = con.cursor()
    airbyte_cols = "_AIRBYTE_RAW_ID VARCHAR, _AIRBYTE_EXTRACTED_AT TIMESTAMP_TZ"
    try:
        if name.endswith("-zoom"):
            rows = [
                r for p in sorted((exports / "zoom").glob("*.csv")) for r in csv.DictReader(p.open(encoding="utf-8"))
            ]
            # CREATE_TIME VARCHAR: source-zoom declares create_time a plain string (contracts catalog-facts.json)
            cursor.execute(
                "create or replace table TAPESTRY_RAW.ZOOM.WEBINAR_REGISTRANTS (ID VARCHAR, WEBINAR_ID VARCHAR, "
                "EMAIL VARCHAR, FIRST_NAME VARCHAR, LAST_NAME VARCHAR, PHONE VARCHAR, STATUS VARCHAR, "
                f"CREATE_TIME VARCHAR, JOIN_URL VARCHAR, {airbyte_cols})"
            )
            values = [
                (
                    r["id"],
                    r["webinar_id"],
                    r["email"] or None,
                    r["first_name"] or None,
                    r["last_name"] or None,
                    r.get("phone") or None,
                    r["status"],
                    r["create_time"],
                    r["join_url"],
                    f"zoom-{i}",
                    "2026-11-01T00:00:00Z",
                )
                for i, r in enumerate(rows)
            ]
            cursor.executemany(
                "insert into TAPESTRY_RAW.ZOOM.WEBINAR_REGISTRANTS values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                values,
            )
            return len(values)
        contacts = [json.loads(line) for line in (exports / "salesforce" / "contacts.jsonl").open(encoding="utf-8")]
        cursor.execute(
            "create or replace table TAPESTRY_RAW.SALESFORCE.CONTACT (ID VARCHAR, EMAIL VARCHAR, FIRSTNAME VARCHAR, "
            "LASTNAME VARCHAR, PHONE VARCHAR, MOBILEPHONE VARCHAR, ACCOUNTID VARCHAR, CREATEDDATE TIMESTAMP_TZ, "
            "LASTMODIFIEDDATE TIMESTAMP_TZ, "
            f"SYSTEMMODSTAMP TIMESTAMP_TZ, ISDELETED BOOLEAN, {airbyte_cols})"
        )
        values = [
            (
                c["Id"],
                c["Email"],
                c["FirstName"],
                c["LastName"],
                c.get("Phone"),
                c.get("MobilePhone"),
                c["AccountId"],
                c["CreatedDate"],
                c["LastModifiedDate"],
                c["SystemModstamp"],
                c["IsDeleted"],
                f"sf-{i}",
                "2026-11-01T00:00:00Z",
            )
            for i, c in enumerate(contacts)
        ]
        cursor.executemany(
            "insert into TAPESTRY_RAW.SALESFORCE.CONTACT values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            values,
        )
        return len(values)
    finally:
        con.close()


def start_world(root: Path) -> tuple[CloudWorld, list[Any]]:
    """Start everything; returns the world and the things to stop."""
    stoppers: list[Any] = []
    moto = MotoServer(log_path=root / "moto.log").start()
    stoppers.append(moto.stop)
    snow = FakesnowServer(log_path=root / "fakesnow.log").start()
    stoppers.append(snow.stop)
    proxy = SwitchableProxy(snow.port)
    stoppers.append(proxy.close)

    # The DBA created the objects with `tapestry snowflake-sql` (a raw schema per source of the template:
    # --raw-schema SALESFORCE --raw-schema ZOOM) and the service users' public keys.
    objects = SnowflakeObjects.from_overrides("TAPESTRY", raw_schemas=("SALESFORCE", "ZOOM"))
    (root / "keys").mkdir()
    keys, public = {}, {}
    for role, user in (("loader", "airbyte"), ("transformer", "dbt"), ("syncer", "sync")):
        private_pem, public_key = generate_rsa_keypair()
        keys[role] = private_pem
        public[user] = public_key
        (root / "keys" / f"{role}.pem").write_text(private_pem)
    snow.run_script(render_sql(objects, public))

    exports = root / "exports"
    generate(exports, 400, seed=21)
    airbyte = FakeAirbyte(
        strict_requests=True, on_job_succeeded=lambda connection, job: _land_rows(snow, exports, connection)
    ).start()
    stoppers.append(airbyte.stop)
    mailchimp = FakeMailchimp(
        list_ids=[LIST_ID], seed=5, api_key="5f0c1d2e3b4a59687766554433221100-us1", strict_requests=True
    ).start()
    stoppers.append(mailchimp.stop)

    cli_config = write_cli_config(root / "terraformrc", find_provider_mirror())
    env = terraform_env(cli_config, base=clean_env())
    env.update(moto.aws_env())
    env.update(
        {
            "HOME": str(root / "home"),
            "XDG_CONFIG_HOME": str(root / "home" / ".config"),
            "NO_COLOR": "1",
            "COLUMNS": "200",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        }
    )
    secrets = {
        "TEST_ZOOM_SECRET": "zoom-s3cret-value-7731",
        "TEST_SF_SECRET": "salesforce-s3cret-value-5512",
        "TEST_SF_REFRESH": "salesforce-refresh-token-9920",
        "TEST_MAILCHIMP_KEY": mailchimp.api_key,
    }
    env.update(secrets)
    for name in ("MAILCHIMP_API_KEY", "TAPESTRY_PROJECT"):
        env.pop(name, None)
    world = CloudWorld(root, moto, snow, proxy, airbyte, mailchimp, env, keys, exports, secrets)
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    return world, stoppers
