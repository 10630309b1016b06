"""Synthesized templates shared by the infra tests: synth is slow, so each variant is built once.

Session scope (not module scope) because every test module of tests/infra reads the same two stacks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from aws_cdk import assertions
from cdk_helpers import EXPORTS_FIXTURE, VARIANT_SETTINGS, SynthesizedStack, synthesize

from pipeline_config.settings import Settings
from timestream_pipeline.exports import load_exports


@pytest.fixture(scope="session")
def default_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SynthesizedStack]:
    """The stack with cdk.json's default settings and the test exports."""
    yield synthesize(Settings(), load_exports(EXPORTS_FIXTURE), tmp_path_factory.mktemp("cdk-default"))


@pytest.fixture(scope="session")
def variant_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SynthesizedStack]:
    """Every optional branch at once: an MWAA environment, provisioned streams, AWS-managed key, destroy."""
    settings = Settings(**VARIANT_SETTINGS)  # type: ignore[arg-type]
    yield synthesize(settings, load_exports(EXPORTS_FIXTURE), tmp_path_factory.mktemp("cdk-variant"))


@pytest.fixture(scope="session")
def template(default_stack: SynthesizedStack) -> assertions.Template:
    return default_stack.template


@pytest.fixture(scope="session")
def variant_template(variant_stack: SynthesizedStack) -> assertions.Template:
    return variant_stack.template


@pytest.fixture(scope="session")
def exports_fixture() -> Path:
    return EXPORTS_FIXTURE
