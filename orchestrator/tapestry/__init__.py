"""Tapestry: deploy and run a user-data pipeline."""

__version__ = "0.1.0"
