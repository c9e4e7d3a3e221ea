"""Transform: run the bundled dbt project in-process with a profile Tapestry renders itself."""
