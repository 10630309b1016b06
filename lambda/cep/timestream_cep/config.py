"""The CEP function's settings, read once from the environment into a typed object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from timestream_cep import names


class ConfigError(RuntimeError):
    """A setting the function cannot run without; the message names the variable."""


@dataclass(frozen=True)
class CepConfig:
    """Where the state lives and where matches go; the local stack builds this directly."""

    state_table: str
    cep_stream: str
    service_name: str = names.SERVICE_NAME
    metrics_namespace: str = names.METRICS_NAMESPACE

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> CepConfig:
        """Read the variables the CDK app sets; a missing one is named in the error."""
        env = os.environ if environ is None else environ
        return cls(
            state_table=_required(env, names.ENV_STATE_TABLE),
            cep_stream=_required(env, names.ENV_CEP_STREAM),
            service_name=env.get(names.ENV_POWERTOOLS_SERVICE_NAME) or names.SERVICE_NAME,
            metrics_namespace=env.get(names.ENV_POWERTOOLS_METRICS_NAMESPACE) or names.METRICS_NAMESPACE,
        )


def _required(env: Mapping[str, str], key: str) -> str:
    value = env.get(key, "").strip()
    if not value:
        raise ConfigError(
            f"environment variable {key} is not set; the CDK app sets it on the function "
            "(set it yourself when running the handler locally)"
        )
    return value
