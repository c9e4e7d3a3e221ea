"""Warehouse adapters behind the `tapestry.core.warehouse.Warehouse` contract."""
