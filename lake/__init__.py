"""The data lake's repository-side definitions: reference tables and saved queries (never deployed code).

The CDK app uploads `reference_tables/` and creates their Glue tables and the Athena named queries from
here; the local stack uploads the same files and runs the same queries with `python -m local lake`.
"""
