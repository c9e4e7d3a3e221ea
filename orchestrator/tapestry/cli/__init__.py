"""The command-line interface (typer). The only layer that talks to the terminal or uses questionary."""
