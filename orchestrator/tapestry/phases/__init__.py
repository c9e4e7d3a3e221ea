"""Phases: the one place where order lives. Each phase calls engines and returns a summary that is
persisted atomically in the project state; a rerun skips what is already done and unchanged."""
