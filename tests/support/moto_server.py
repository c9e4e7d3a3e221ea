"""Run `moto_server` as a local fake AWS for Terraform and boto3.

Usage (a pytest fixture typically wraps this)::

    with MotoServer() as moto:
        env = {**os.environ, **moto.aws_env()}
        subprocess.run(["terraform", "apply", ...], env=env)
        moto.reset()

Why a subprocess and not moto's in-process decorators: Terraform is a separate process and must reach moto over
HTTP. Why 127.0.0.1 and never `localhost`: with `localhost` the AWS SDKs use virtual-host S3 addressing
(`bucket.localhost`), which does not resolve.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

DEFAULT_REGION = "us-east-1"
#: Account id moto's STS answers with.
MOTO_ACCOUNT_ID = "123456789012"

# Variables that would make an SDK or Terraform talk to real AWS or a different profile.
_AWS_VARS_TO_DROP = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
)


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free right now on `host` (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def find_moto_server() -> str:
    """Locate the `moto_server` executable: next to the running interpreter first, then on PATH."""
    candidate = Path(sys.executable).with_name("moto_server")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("moto_server")
    if not found:
        raise FileNotFoundError("moto_server not found; install moto[server] into the test venv")
    return found


def aws_env(endpoint_url: str, region: str = DEFAULT_REGION) -> dict[str, str]:
    """Environment variables that point Terraform's aws provider and boto3 at `endpoint_url`.

    Configuration is by environment only: an explicit provider `endpoints {}` block makes every Terraform command
    ~4 s slower. Merge the result over a copy of `os.environ` cleaned by `clean_env`.
    """
    return {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def clean_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Copy of `base` (default `os.environ`) without AWS profile/session variables that would leak real config."""
    env = dict(os.environ if base is None else base)
    for name in _AWS_VARS_TO_DROP:
        env.pop(name, None)
    return env


class MotoServer:
    """A `moto_server` subprocess bound to 127.0.0.1 on a free port.

    `MOTO_IAM_LOAD_MANAGED_POLICIES=true` is set so AWS-managed IAM policies can be attached (otherwise 404).
    Server output goes to `log_path` (or is discarded) so a chatty server never blocks on a full pipe.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int | None = None,
        region: str = DEFAULT_REGION,
        log_path: Path | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.region = region
        self.log_path = log_path
        self.extra_env = dict(extra_env or {})
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 30.0) -> MotoServer:
        """Start the server and wait until `GET /moto-api/` answers. Raises RuntimeError on timeout/exit."""
        if self.running:
            return self
        env = clean_env()
        env.update({"MOTO_IAM_LOAD_MANAGED_POLICIES": "true", **self.extra_env})
        if self.log_path is not None:
            self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self._proc = subprocess.Popen(
            [find_moto_server(), "-H", self.host, "-p", str(self.port)],
            env=env,
            stdout=self._log_file or subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"moto_server exited early with rc={self._proc.returncode}")
            try:
                with urllib.request.urlopen(f"{self.endpoint_url}/moto-api/", timeout=1) as resp:
                    if resp.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"moto_server did not become ready on {self.endpoint_url} within {timeout} s")

    def reset(self) -> None:
        """Wipe all fake AWS state (the default VPC comes back)."""
        req = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST", data=b"")
        with urllib.request.urlopen(req, timeout=30) as resp:
            if resp.status != 200:
                raise RuntimeError(f"moto reset failed: HTTP {resp.status}")

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the server (kill it if it does not exit within `timeout`)."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=timeout)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def aws_env(self) -> dict[str, str]:
        """AWS env vars for this server (see module-level `aws_env`)."""
        return aws_env(self.endpoint_url, self.region)

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """A full process environment: `base` (default os.environ) cleaned of AWS profiles, plus `aws_env()`."""
        env = clean_env(base)
        env.update(self.aws_env())
        return env

    def boto3_client(self, service: str):  # type: ignore[no-untyped-def]
        """A boto3 client for `service` bound to this server (boto3 is imported lazily)."""
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
