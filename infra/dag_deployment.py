"""Ship the DAG bundle (and, when asked, the workers' requirements) to an existing MWAA source bucket.

The bucket belongs to the user's environment and may hold other teams' DAGs, so the deployment may
only write: objects under `dags/`, and the bucket-root `requirements.txt` (shared by every DAG of the
environment) only with `mwaa_replace_requirements`. CDK's BucketDeployment would grant its copy
function read/write/delete (and object lock) on the whole bucket; it gets an immutable role instead,
whose one policy is written here. `prune=False` and `retain_on_delete` (the default): nothing is ever
deleted. MWAA installs a new requirements.txt only after the environment is updated to its version.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra.dag_bundle import (
    DAGS_PREFIX,
    MWAA_REQUIREMENTS_FILE,
    REQUIREMENTS_KEY,
    dag_bundle_files,
    relative_to_prefix,
)
from infra.local_bundling import copy_files_bundling
from infra.scoped_deployment import ScopedCopyRole, scoped_deployment
from pipeline_config.settings import REPO_ROOT, Settings, runtime_settings
from timestream_pipeline import names

# Its own copy function (see infra/scoped_deployment.py): a memory size no other deployment uses.
COPY_FUNCTION_MEMORY_MB = 512


class DagDeployment(Construct):
    """`dags/` (bundle + pipeline_settings.json), and requirements.txt when asked, in the MWAA bucket."""

    def __init__(
        self, scope: Construct, id_: str, *, settings: Settings, data_lake_bucket: s3.IBucket
    ) -> None:
        super().__init__(scope, id_)
        stack = Stack.of(self)
        target = s3.Bucket.from_bucket_name(self, "SourceBucket", settings.mwaa_source_bucket)
        replace = settings.mwaa_replace_requirements
        self.copy_role = ScopedCopyRole(
            self,
            "Copy",
            target=target,
            keys=[f"{DAGS_PREFIX}/*", *([REQUIREMENTS_KEY] if replace else [])],
            # syncing to the bucket root (requirements.txt) lists from the root
            list_prefix=None if replace else f"{DAGS_PREFIX}/*",
            delete=False,
            purpose="Copies the DAG bundle into the MWAA bucket: writes under dags/ only",
        )
        runtime = runtime_settings(settings, bucket=data_lake_bucket.bucket_name, region=stack.region)
        bundle = relative_to_prefix(dag_bundle_files(), DAGS_PREFIX)
        self.dags = scoped_deployment(
            self,
            "Dags",
            role=self.copy_role,
            memory_mb=COPY_FUNCTION_MEMORY_MB,
            destination_bucket=target,
            destination_key_prefix=f"{DAGS_PREFIX}/",
            sources=[
                s3deploy.Source.asset(str(REPO_ROOT / DAGS_PREFIX), **copy_files_bundling(bundle)),
                s3deploy.Source.data(names.RUNTIME_SETTINGS_FILE, runtime.to_json() + "\n"),
            ],
            prune=False,
        )
        if replace:
            requirements = MWAA_REQUIREMENTS_FILE.read_text(encoding="utf-8")
            self.requirements = scoped_deployment(
                self,
                "Requirements",
                role=self.copy_role,
                memory_mb=COPY_FUNCTION_MEMORY_MB,
                destination_bucket=target,
                sources=[s3deploy.Source.data(REQUIREMENTS_KEY, requirements)],
                prune=False,
            )
