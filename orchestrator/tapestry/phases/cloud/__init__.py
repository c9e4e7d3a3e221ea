"""The aws target: deploy phases (secrets -> Snowflake || AWS ingestion -> Airbyte -> dbt -> ECS runner ->
first sync -> dashboard), the cloud pipeline run, and destroy."""
