"""Shared building blocks every layer may import: errors, the warehouse contract, file helpers."""
