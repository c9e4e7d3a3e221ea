"""Kickstart templates: question specs, answer validation and the files rendered from answers."""
