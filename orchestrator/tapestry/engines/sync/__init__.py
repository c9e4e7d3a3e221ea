"""Reverse ETL: keep a destination (a Mailchimp list) equal to a warehouse model.

State lives in the warehouse (`tapestry_sync` schema): a snapshot of what the destination acknowledged,
runs, a changelog and rejections. The diff is SQL; only changed rows leave the warehouse; a snapshot row
moves only after the destination acknowledged that member.
"""
