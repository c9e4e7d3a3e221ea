"""A Tapestry project on disk: `tapestry.yml` (typed config) and `.tapestry/` (run state)."""
