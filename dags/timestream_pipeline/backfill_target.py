"""Where a backfill request goes, chosen by the deployment's settings and never by the conf."""

from __future__ import annotations

from timestream_pipeline import names
from timestream_pipeline.airflow_compat import fail_now, get_connection
from timestream_pipeline.backfill_transport import HttpTransport, MwaaTransport, Transport


def transport_from_settings() -> Transport:
    """MWAA InvokeRestApi when the settings name an environment, else the Airflow API connection."""
    from timestream_pipeline.runtime_settings import load_runtime_settings

    settings = load_runtime_settings()
    if settings.mwaa_environment_name:
        from airflow.providers.amazon.aws.hooks.mwaa import MwaaHook

        hook = MwaaHook(aws_conn_id=settings.aws_conn_id, region_name=settings.region or None)
        return MwaaTransport.from_hook(hook, settings.mwaa_environment_name)
    if settings.airflow_api_conn_id:
        return HttpTransport.from_connection(get_connection(settings.airflow_api_conn_id))
    raise fail_now(
        "no Airflow to send the backfill to: set mwaa_environment_name (MWAA) or airflow_api_conn_id "
        f"(an HTTP connection to the API server) in the pipeline settings ({names.RUNTIME_SETTINGS_FILE} "
        f"or the Variable {names.RUNTIME_SETTINGS_VARIABLE})"
    )
