"""Reverse ETL: keep each destination object (a list, an audience) equal to a warehouse model.

The core is generic: destinations are plugins (`tapestry.destinations`) speaking one small protocol.

State lives in the warehouse (`tapestry_sync` schema): a snapshot of what the destination acknowledged,
runs, a changelog and rejections. The diff is SQL; only changed rows leave the warehouse; a snapshot row
moves only after the destination acknowledged that member.
"""
