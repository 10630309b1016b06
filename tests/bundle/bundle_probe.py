"""Run inside a built DAG bundle's Airflow, in a clean subprocess: `python -P bundle_probe.py <command>`.

This file imports nothing of the repository: its interpreter has only Airflow and the bundle folder
(AIRFLOW__CORE__DAGS_FOLDER) to work with, as a deployed environment has. Each command prints one
JSON line, the last line of its output.

- `report`: what the DAG processor recorded in the metadata DB (import errors, DAG ids).
- `backfill <conf.json>...`: trigger timestream_backfill with each conf through dag.test().
- `export <dag_id> <logical date>`: run one export hour through dag.test().
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

BACKFILL_DAG_ID = "timestream_backfill"


def dag_folder() -> Path:
    return Path(os.environ["AIRFLOW__CORE__DAGS_FOLDER"])


def parse_like_the_dag_processor() -> Any:
    """The bundle's DAGs as the DAG processor and the task runner load them: the bundle root appended
    to sys.path (BundleDagBag on 3.1+, the processor's own append on 3.0), nothing else of ours."""
    folder = dag_folder()
    try:
        from airflow.dag_processing.dagbag import BundleDagBag
    except ImportError:  # Airflow 3.0
        from airflow.models import DagBag

        sys.path.append(str(folder))
        return DagBag(dag_folder=str(folder), bundle_path=folder, include_examples=False)
    return BundleDagBag(dag_folder=str(folder), bundle_path=folder, bundle_name="dags-folder")


def report() -> dict[str, Any]:
    from airflow.models.dag import DagModel
    from airflow.models.errors import ParseImportError
    from airflow.utils.session import create_session

    with create_session() as session:
        errors = {row.filename: row.stacktrace for row in session.query(ParseImportError)}
        dag_ids = sorted(row.dag_id for row in session.query(DagModel))
    return {"import_errors": errors, "dag_ids": dag_ids, "sys_path": sys.path}


def states(dag_run: Any) -> dict[str, str]:
    return {ti.task_id: str(getattr(ti.state, "value", ti.state)) for ti in dag_run.get_task_instances()}


def backfill(conf_paths: list[str]) -> dict[str, Any]:
    """Each conf's outcome: the task states, or the param validation error that refused it."""
    from airflow.exceptions import ParamValidationError

    outcomes = []
    for path in conf_paths:
        conf = json.loads(Path(path).read_text(encoding="utf-8"))
        # Parsed afresh for each run, as a worker would: dag.test() leaves a conf in the DAG's params.
        dag = parse_like_the_dag_processor().get_dag(BACKFILL_DAG_ID)
        try:
            outcomes.append({"states": states(dag.test(run_conf=conf))})
        except ParamValidationError as error:
            outcomes.append({"refused": str(error)})
    return {"outcomes": outcomes}


def export(dag_id: str, logical_date: str) -> dict[str, Any]:
    from datetime import datetime

    dag = parse_like_the_dag_processor().get_dag(dag_id)
    moment = datetime.fromisoformat(logical_date)
    dag_run = dag.test(logical_date=moment, run_after=moment)
    return {"state": str(getattr(dag_run.state, "value", dag_run.state)), "states": states(dag_run)}


def main(argv: list[str]) -> dict[str, Any]:
    command, arguments = argv[0], argv[1:]
    if command == "report":
        return report()
    if command == "backfill":
        return backfill(arguments)
    if command == "export":
        return export(*arguments)
    raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    result = main(sys.argv[1:])
    sys.stdout.flush()
    print("\n" + json.dumps(result, default=str))
