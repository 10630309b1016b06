"""What Airflow's DAG processor does, for tests, on every Airflow 3 the project supports (3.0 to 3.3)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

BUNDLE_NAME = "dags-folder"


def parse_as_dag_processor(dag_folder: Path, bundle_path: Path) -> Any:
    """Parse like the DAG processor: with the bundle root, and nothing else of ours, on sys.path.

    3.1+ has BundleDagBag for this; 3.0's processor appends the bundle root itself, then uses DagBag.
    """
    try:
        from airflow.dag_processing.dagbag import BundleDagBag
    except ImportError:  # Airflow 3.0
        from airflow.models import DagBag

        if str(bundle_path) not in sys.path:
            sys.path.append(str(bundle_path))
        return DagBag(dag_folder=str(dag_folder), bundle_path=bundle_path, include_examples=False)
    return BundleDagBag(dag_folder=str(dag_folder), bundle_path=bundle_path, bundle_name=BUNDLE_NAME)


def serialize_into_db(dag_folder: Path, bundle_path: Path) -> None:
    """Parse the files and write the serialized DAGs to the metadata DB, as the DAG processor does."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager

    DagBundlesManager().sync_bundles_to_db()
    bag = parse_as_dag_processor(dag_folder, bundle_path)
    assert bag.import_errors == {}
    try:
        from airflow.dag_processing.dagbag import sync_bag_to_db
    except ImportError:  # Airflow 3.0
        bag.sync_to_db(BUNDLE_NAME, None)
    else:
        sync_bag_to_db(bag, BUNDLE_NAME, None)
