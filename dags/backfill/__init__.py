"""`python -m dags.backfill`: the command-line twin of the timestream_backfill workflow."""
