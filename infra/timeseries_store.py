"""Timestream for LiveAnalytics: the database (optionally on its own KMS key) and the raw and CEP tables."""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_timestream as timestream
from constructs import Construct

from infra.nag import acknowledge
from pipeline_config.settings import Settings


class TimeseriesStore(Construct):
    """The database and both tables; late records go to the magnetic store, rejects to the data lake."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        settings: Settings,
        rejected_data_bucket: s3.IBucket,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, id_)
        self.key: kms.Key | None = None
        if settings.customer_managed_key:
            self.key = kms.Key(
                self,
                "Key",
                description=f"Encrypts the Timestream database {settings.database_name}",
                enable_key_rotation=True,
                removal_policy=removal_policy,
            )
        else:
            acknowledge(
                self,
                "AwsSolutions-TS3",
                "customer_managed_key=false was chosen: the AWS managed key alias/aws/timestream is used",
            )
        self.database = timestream.CfnDatabase(
            self,
            "Database",
            database_name=settings.database_name,
            kms_key_id=self.key.key_arn if self.key else None,
        )
        self.database.apply_removal_policy(removal_policy)
        self.raw_table = self._table("RawTable", settings.raw_table_name, settings, rejected_data_bucket)
        self.cep_table = self._table("CepTable", settings.cep_table_name, settings, rejected_data_bucket)
        self.raw_table.apply_removal_policy(removal_policy)
        self.cep_table.apply_removal_policy(removal_policy)
        self.database_name = settings.database_name
        self.raw_table_arn = self.table_arn(settings.raw_table_name)
        self.cep_table_arn = self.table_arn(settings.cep_table_name)

    def table_arn(self, table_name: str) -> str:
        """`arn:<partition>:timestream:<region>:<account>:database/<db>/table/<table>`, no wildcard."""
        return Stack.of(self).format_arn(
            service="timestream",
            resource="database",
            resource_name=f"{self.database_name}/table/{table_name}",
        )

    def _table(
        self, id_: str, name: str, settings: Settings, rejected_data_bucket: s3.IBucket
    ) -> timestream.CfnTable:
        return timestream.CfnTable(
            self,
            id_,
            database_name=self.database.ref,
            table_name=name,
            # CloudFormation takes the retention periods as strings.
            retention_properties={
                "MemoryStoreRetentionPeriodInHours": str(settings.memory_retention_hours),
                "MagneticStoreRetentionPeriodInDays": str(settings.magnetic_retention_days),
            },
            # Typed as Any in aws-cdk-lib, so the CloudFormation (PascalCase) shape is written as is.
            magnetic_store_write_properties=_magnetic_store_writes(name, settings, rejected_data_bucket),
        )


def _magnetic_store_writes(table_name: str, settings: Settings, bucket: s3.IBucket) -> dict[str, Any]:
    """Late records go to the magnetic store; the ones it rejects are reported under their own prefix."""
    if not settings.magnetic_writes_enabled:
        return {"EnableMagneticStoreWrites": False}
    return {
        "EnableMagneticStoreWrites": True,
        "MagneticStoreRejectedDataLocation": {
            "S3Configuration": {
                "BucketName": bucket.bucket_name,
                "EncryptionOption": "SSE_S3",
                "ObjectKeyPrefix": f"{settings.rejected_data_prefix}/{table_name}/",
            }
        },
    }
