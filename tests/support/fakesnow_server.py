"""fakesnow's Snowflake emulator as a local HTTP server in its own process, so that separate processes
(the `tapestry` CLI, dbt-snowflake) share one in-memory Snowflake.

fakesnow answers HTTP 500 on statements it cannot handle and the Snowflake connector then retries for a
long time: every client pointed at it must pass a network timeout (Tapestry's adapter does), and dbt
runs against it must sit under a hard timeout.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from support.moto_server import free_port

# Account-level DDL fakesnow cannot emulate; the nop patterns make them succeed without effect.
NOP_REGEXES = [
    r"^\s*(CREATE|ALTER|DROP)\s+(OR\s+REPLACE\s+)?(WAREHOUSE|ROLE|USER|STORAGE\s+INTEGRATION)\b",
    r"^\s*(GRANT|REVOKE)\b",
    r"^\s*SHOW\s+(ROLES|GRANTS|FUTURE\s+GRANTS|USERS)\b",
    r"^\s*USE\s+(ROLE|WAREHOUSE|SECONDARY\s+ROLES)\b",
]

_LAUNCHER = (
    "import sys, uvicorn, fakesnow.server\n"
    "uvicorn.run(fakesnow.server.app, host='127.0.0.1', port=int(sys.argv[1]), log_level='warning')\n"
)


class FakesnowServer:
    def __init__(self, log_path: Path | None = None) -> None:
        self.port = free_port()
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> FakesnowServer:
        log = open(self.log_path, "wb") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, str(self.port)], stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("fakesnow server exited at start")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("fakesnow server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def connect(self, **kwargs: Any) -> Any:
        """A connector session (as an admin: account DDL is a no-op)."""
        import snowflake.connector

        return snowflake.connector.connect(
            account="fakesnow",
            user="admin",
            password="admin",
            host="127.0.0.1",
            port=self.port,
            protocol="http",
            network_timeout=30,
            session_parameters={"nop_regexes": NOP_REGEXES},
            **kwargs,
        )

    def run_script(self, sql: str) -> None:
        """Run a multi-statement script one statement at a time (fakesnow's execute_string keeps leading
        comments, which defeats the nop patterns)."""
        import io

        from snowflake.connector.util_text import split_statements

        con = self.connect()
        try:
            for statement, _ in split_statements(io.StringIO(sql), remove_comments=True):
                if statement.strip():
                    con.cursor().execute(statement)
        finally:
            con.close()

    def __enter__(self) -> FakesnowServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
