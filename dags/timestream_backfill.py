"""Airflow DAG `timestream_backfill`: re-export a range of an export DAG as a native Airflow backfill.

Trigger it with a conf such as {"dag_id": "timestream_export_<name>", "from_date": "...Z",
"to_date": "...Z"}; see timestream_pipeline/backfill_dag.py and the README's "Backfilling".
"""

from __future__ import annotations

from timestream_pipeline.backfill_dag import build_backfill_dag, declared_export_dag_ids

backfill_dag = build_backfill_dag(declared_export_dag_ids())
