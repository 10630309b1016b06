"""One pipeline run for the end-to-end tests: generate -> Kinesis -> mapping -> Lambda -> Timestream -> S3."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from generators.cep import CepOptions
from generators.devops import DevopsOptions
from generators.records import GeneratedRecord
from generators.sensors import SensorOptions
from local import airflow_env
from local.demo_data import Window, bad_records, send, workload_records
from local.esm import MappingStats
from local.ingest import open_mappings
from local.resources import client
from local.stack import InProcessStack
from pipeline_config.local_state import LocalStackState
from pipeline_config.settings import Settings, load_settings
from timestream_pipeline.exports import load_exports

SEED = 8


@dataclass
class PipelineRun:
    """What the run generated and where it went; `s3` reads the local data lake."""

    settings: Settings
    state: LocalStackState
    window: Window
    generated: dict[str, list[GeneratedRecord]]
    mapping_stats: dict[str, MappingStats]
    dags: dict[str, Any]
    s3: Any

    @property
    def boundary(self) -> Any:
        """The hour boundary inside the window: DevOps records are generated exactly on it."""
        return self.window.hours[1]


def _generate(window: Window) -> dict[str, list[GeneratedRecord]]:
    """Small but sharp: DevOps every 5 s around the inner hour boundary (3 samples per 15 s bin),
    sensors and CEP over both hours, and the deliberately bad records."""
    boundary = window.hours[1]
    around = Window(boundary - timedelta(minutes=5), boundary + timedelta(minutes=5))
    devops = DevopsOptions(max_hosts=2, tick_seconds=5, events=False)
    return {
        "devops": workload_records("devops", around, devops, seed=SEED),
        "sensors": workload_records("sensors", window, SensorOptions(sensors=5, tick_seconds=30), seed=SEED),
        "cep": workload_records("cep", window, CepOptions(sensors=10, tick_seconds=10), seed=SEED),
        "bad": bad_records(window),
    }


@contextmanager
def pipeline_run() -> Iterator[PipelineRun]:
    """Run the whole pipeline once on an in-process local stack, exporting every hour of the window."""
    settings = load_settings()
    window = Window.last_hours(2)
    generated = _generate(window)
    with InProcessStack(settings) as state, pytest.MonkeyPatch.context() as patch:
        for key, value in airflow_env.pipeline_environment(settings, state).items():
            patch.setenv(key, value)
        patch.setenv("POWERTOOLS_LOG_LEVEL", os.environ.get("POWERTOOLS_LOG_LEVEL", "ERROR"))
        kinesis = client("kinesis", state.moto_endpoint)
        for name, records in generated.items():
            send(kinesis, state, "cep" if name == "cep" else "raw", records)
        with (
            tempfile.TemporaryDirectory(prefix="esm-") as checkpoints,
            open_mappings(state, Path(checkpoints)) as mappings,
        ):
            stats = {role: mapping.run_until_idle() for role, mapping in mappings.items()}
        specs = load_exports()
        dags = airflow_env.load_dags([spec.dag_id for spec in specs])
        for spec in specs:
            for hour in window.hours:
                state_of_run = airflow_env.run_dag(dags[spec.dag_id], logical_date=hour + timedelta(hours=1))
                assert state_of_run == "success", f"{spec.dag_id} for {hour} ended {state_of_run}"
        yield PipelineRun(settings, state, window, generated, stats, dags, client("s3", state.moto_endpoint))
