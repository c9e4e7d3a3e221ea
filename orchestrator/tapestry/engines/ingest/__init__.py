"""Ingestion: local export files into raw tables shaped like the Airbyte streams (and, on the cloud
target, the Airbyte API client)."""
