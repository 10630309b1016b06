"""Code shared by the DAG files (listed in .airflowignore, so Airflow does not parse it for DAGs)."""
