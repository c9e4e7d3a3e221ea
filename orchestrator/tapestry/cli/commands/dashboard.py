"""`tapestry dashboard`: serve the read-only dashboard of a project."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from tapestry.cli.common import ProjectOption, default_project, friendly_errors

HELP = """Serve a read-only web dashboard of the project: pipeline health, data and docs.

Pages: every phase's last result; loaded files and raw tables; dbt models and tests, the audience and
its rejected records; sync runs, rejections and errors; the docs; on the cloud target CloudWatch
metrics and alarms. The same data as JSON under /api/.

It binds 127.0.0.1:7777 by default ([bold]--port 0[/] picks a free port). On any other address
([bold]--host 0.0.0.0[/]) it requires a token: $TAPESTRY_DASHBOARD_TOKEN, or a random one printed once.
Ctrl-C stops it. It never writes to the warehouse or the project state."""


def register(app: typer.Typer) -> None:
    app.command("dashboard", help=HELP)(dashboard)


@friendly_errors
def dashboard(
    project: ProjectOption = default_project(),  # noqa: B008 - typer default
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port; 0 picks a free one.")] = 7777,
    host: Annotated[
        str, typer.Option("--host", help="Address to bind; anything but loopback requires a token.")
    ] = "127.0.0.1",
    no_open: Annotated[bool, typer.Option("--no-open", help="Do not open a browser.")] = False,
    refresh: Annotated[
        int, typer.Option("--refresh", min=0, help="Pages reload every N seconds; 0 turns it off.")
    ] = 30,
) -> None:
    import signal

    from tapestry.cli.console import console
    from tapestry.core.errors import TapestryError
    from tapestry.dashboard.auth import TOKEN_ENV, resolve_token
    from tapestry.dashboard.server import build_dashboard

    token, generated = resolve_token(host)
    try:
        server = build_dashboard(project, host=host, port=port, token=token, refresh_s=refresh)
    except OSError as exc:
        raise TapestryError(
            f"cannot listen on {host}:{port} ({exc.strerror or exc})",
            "pass another --port (0 picks a free one) or stop the program using it",
        ) from None

    url = server.url
    console.print(
        f"Tapestry dashboard · project [cyan]{server.app.data.view.config.project}[/] · {url}", soft_wrap=True
    )
    if token is not None:
        where = "all interfaces" if host in {"0.0.0.0", "::", ""} else host
        if generated:  # shown here only, once: it is stored nowhere
            console.print(f"Listening on {where}; a token is required. Open: {url}?token={token}", soft_wrap=True)
            console.print(f"(a random token; set {TOKEN_ENV} to choose your own)", soft_wrap=True)
        else:
            console.print(f"Listening on {where}; a token is required (from {TOKEN_ENV}).", soft_wrap=True)
    console.print("Press Ctrl-C to stop.")
    opener_dir = None
    if not no_open:
        if token is None:
            _open_browser(url)
        else:  # a one-time code in a private file: never the token on the browser's command line
            opener_dir = _open_with_login_code(f"{url}?token={server.app.guard.issue_login_code()}")

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # Also SIGINT: a process started in the background by a non-interactive shell inherits SIGINT
    # ignored, and Python then never raises KeyboardInterrupt for it.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        if opener_dir is not None:
            import shutil

            shutil.rmtree(opener_dir, ignore_errors=True)
    console.print("Dashboard stopped.")


def _open_with_login_code(login_url: str) -> Path:
    """Open the browser on a page (0600, in a 0700 folder) that forwards it to `login_url`; returns the folder
    to delete. A browser's arguments are visible to every user (`ps`): they carry only this file's path."""
    import html
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="tapestry-dashboard-"))
    page = folder / "open.html"
    fd = os.open(page, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        target = html.escape(login_url, quote=True)
        handle.write(
            '<!doctype html><meta charset="utf-8"><title>Tapestry dashboard</title>'
            f'<meta http-equiv="refresh" content="0;url={target}">'
            f'<p><a href="{target}">Open the Tapestry dashboard</a></p>\n'
        )
    _open_browser(page.as_uri())
    return folder


def _open_browser(url: str) -> None:
    import threading
    import webbrowser

    # Some browsers block until they exit; the server must not wait for them.
    threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
