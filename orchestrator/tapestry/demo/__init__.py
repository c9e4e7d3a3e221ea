"""The bundled demo data set."""
