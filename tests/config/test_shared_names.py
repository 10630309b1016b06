"""Names that several components must agree on: each lives in the bundle that uses it at run time,
and where two bundles deployed apart need the same name, a test keeps the two equal."""

from __future__ import annotations

import random

from generators.devops_fleet import build_fleet
from timestream_ingest import names
from timestream_pipeline import names as dag_names
from timestream_pipeline.exports import load_exports


def test_generated_devops_hosts_carry_exactly_the_host_dimensions() -> None:
    """The generator identifies a host by the same dimensions the CPU export groups by."""
    # GIVEN a generated fleet
    host = build_fleet(random.Random(1), host_scale=1)[0]
    # THEN its metric dimensions are the shared host identity, in order
    assert tuple(host.metric_dimensions) == names.DEVOPS_HOST_DIMENSIONS


def test_cpu_export_returns_every_host_dimension() -> None:
    """Instance names repeat across silos: the export must group by, and return, the full identity."""
    # GIVEN the declared CPU export
    spec = next(s for s in load_exports() if s.name == "cpu_utilization")
    # THEN its first columns are the host identity
    columns = tuple(c.name for c in spec.columns)
    assert columns[: len(names.DEVOPS_HOST_DIMENSIONS)] == names.DEVOPS_HOST_DIMENSIONS


def test_the_dags_read_the_measure_names_the_ingest_lambda_writes() -> None:
    """The DAG bundle repeats two measure names of the Lambda bundle (each deploys alone): equal."""
    # GIVEN the measure names the export SQL renders / WHEN compared with what the decoders write
    # THEN they are the same strings
    assert dag_names.SENSOR_TEMPERATURE_MEASURE == names.SENSOR_TEMPERATURE_MEASURE
    assert dag_names.CEP_MEASURE == names.CEP_MEASURE
