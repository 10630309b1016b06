"""The pipeline run shared by the end-to-end tests: built once per module (about 30 s)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from e2e_pipeline import PipelineRun, pipeline_run


@pytest.fixture(scope="module")
def pipeline(airflow_db: None) -> Iterator[PipelineRun]:
    """Generate, stream, ingest and export every hour of the window; each test checks one property."""
    with pipeline_run() as run:
        yield run
