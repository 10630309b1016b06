"""Names that several components must agree on come from pipeline_config and stay in step."""

from __future__ import annotations

import random

from generators.devops_fleet import build_fleet
from pipeline_config import names
from pipeline_config.exports import load_exports


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
