"""`tapestry dashboard`: serve the read-only dashboard of a project."""

from __future__ import annotations

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
    if not no_open:
        _open_browser(f"{url}?token={token}" if token else url)

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
    console.print("Dashboard stopped.")


def _open_browser(url: str) -> None:
    import threading
    import webbrowser

    # Some browsers block until they exit; the server must not wait for them.
    threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
