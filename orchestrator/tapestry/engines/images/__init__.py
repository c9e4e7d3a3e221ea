"""Container images: build the runner image with the Docker CLI and push it to a registry."""
