"""Engines do one kind of work each (terraform, secrets, warehouse, ingest, transform, sync, images).

They never import the CLI or one another; phases hand typed values between them.
"""
