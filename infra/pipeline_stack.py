"""The one stack: composes the constructs, tags them, and names every output users and generators read."""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, CfnOutput, RemovalPolicy, Stack, Tags, Validations
from constructs import Construct

from infra.alarms import PipelineAlarms
from infra.athena import LakeAthena
from infra.cep_stage import CepStage
from infra.dag_deployment import DagDeployment
from infra.data_lake import DataLake
from infra.glue_catalog import GlueCatalog
from infra.ingest_function import IngestFunction, powertools_layer
from infra.kept_records import KeptRecords
from infra.mwaa_access import MwaaAccess
from infra.nag import check_with_cdk_nag
from infra.reference_data import ReferenceData
from infra.scoped_deployment import acknowledge_copy_functions
from infra.streams import Streams
from infra.timeseries_store import TimeseriesStore
from pipeline_config import names
from pipeline_config.settings import Settings
from timestream_ingest import names as ingest_names
from timestream_pipeline.exports import ExportSpec

_TIMESTREAM_MAINTENANCE = (
    "Timestream for LiveAnalytics takes no new customers (2025-06-20); this stack is meant for accounts "
    "that already use it, and the README says so"
)
_REMOVAL = {"retain": RemovalPolicy.RETAIN, "destroy": RemovalPolicy.DESTROY}


class PipelineStack(Stack):
    """Kinesis -> ingest Lambdas (+ CEP stage) -> Timestream -> (MWAA DAGs) -> S3 data lake + Glue, alarms."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        settings: Settings,
        exports: tuple[ExportSpec, ...],
        **stack_props: Any,
    ) -> None:
        super().__init__(scope, id_, stack_name=settings.stack_name, **stack_props)
        removal = _REMOVAL[settings.removal_policy]
        lake = DataLake(
            self,
            "DataLake",
            settings=settings,
            bucket_name=settings.bucket_name(self.account, self.region),
            removal_policy=removal,
        )
        store = TimeseriesStore(
            self, "Timeseries", settings=settings, rejected_data_bucket=lake.bucket, removal_policy=removal
        )
        streams = Streams(self, "Streams", settings=settings, removal_policy=removal)
        kept = KeptRecords(
            self,
            "KeptRecords",
            settings=settings,
            bucket_name=settings.kept_records_bucket_name(self.account, self.region),
            log_bucket=lake.log_bucket,
            removal_policy=removal,
        )
        layer = powertools_layer(self)
        tables = {
            "raw": (settings.raw_table_name, store.raw_table_arn),
            "cep": (settings.cep_table_name, store.cep_table_arn),
        }
        ingest = {
            role: IngestFunction(
                self,
                f"{role.title()}Ingest",
                settings=settings,
                stream=stream,
                table_name=tables[role][0],
                table_arn=tables[role][1],
                quarantine_bucket=lake.bucket,
                kept_records=kept,
                layers=[layer],
                removal_policy=removal,
            )
            for role, stream in streams.by_role().items()
        }
        # The CEP stage's failed batches go where the ingest mappings' go (one keep-and-replay path).
        cep_stage = CepStage(
            self,
            "CepStage",
            settings=settings,
            raw_stream=streams.raw,
            cep_stream=streams.cep,
            on_failure=kept.on_failure_destination(),
            layers=[layer],
            removal_policy=removal,
        )
        catalog = GlueCatalog(self, "Catalog", settings=settings, exports=exports, bucket=lake.bucket)
        access = MwaaAccess(
            self,
            "MwaaAccess",
            settings=settings,
            exports=exports,
            table_arns=[store.raw_table_arn, store.cep_table_arn],
            bucket=lake.bucket,
            lake=catalog,
            timestream_key=store.key,
        )
        ReferenceData(
            self,
            "ReferenceData",
            bucket=lake.bucket,
            database=catalog.database,
            database_name=catalog.database_name,
        )
        athena = LakeAthena(
            self,
            "Athena",
            settings=settings,
            exports=exports,
            bucket=lake.bucket,
            database_name=catalog.database_name,
            destroy=removal == RemovalPolicy.DESTROY,
        )
        if settings.mwaa_source_bucket:
            DagDeployment(self, "DagDeployment", settings=settings, data_lake_bucket=lake.bucket)
        PipelineAlarms(
            self,
            "Alarms",
            settings=settings,
            streams=dict(streams.by_role()),
            functions={role: f.function for role, f in ingest.items()},
            mapping_ids={
                **{role: f.event_source.event_source_mapping_id for role, f in ingest.items()},
                "cep-stage": cep_stage.event_source.event_source_mapping_id,
            },
        )
        acknowledge_copy_functions(self)
        Tags.of(self).add("project", ingest_names.SERVICE_NAME)
        # cdk-nag runs on every synth of this stack (app, tests, CLI) and fails it on a new finding.
        check_with_cdk_nag(self)
        Validations.of(self).acknowledge(
            Acknowledgment(id="CloudFormation-Validate::W3697", reason=_TIMESTREAM_MAINTENANCE)
        )
        outputs = {
            names.OUTPUT_RAW_STREAM: streams.raw.stream_name,
            names.OUTPUT_CEP_STREAM: streams.cep.stream_name,
            names.OUTPUT_DATABASE: store.database.ref,
            names.OUTPUT_RAW_TABLE: store.raw_table.attr_name,
            names.OUTPUT_CEP_TABLE: store.cep_table.attr_name,
            names.OUTPUT_BUCKET: lake.bucket.bucket_name,
            names.OUTPUT_MWAA_POLICY: access.policy.managed_policy_arn,
            names.OUTPUT_GLUE_DATABASE: catalog.database.ref,
            names.OUTPUT_ATHENA_WORKGROUP: athena.workgroup.ref,
            names.OUTPUT_KEPT_BUCKET: kept.bucket.bucket_name,
        }
        for key, value in outputs.items():
            CfnOutput(self, key, value=value)
