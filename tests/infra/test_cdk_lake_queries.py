"""Athena over the lake: an encrypted, enforced workgroup writing into the lake bucket, the saved queries
as named queries, and the reference tables deployed with their Glue tables."""

from __future__ import annotations

from aws_cdk import assertions
from cdk_helpers import logical_id, only, resources

from infra.athena import ENGINE_VERSION, RESULTS_PREFIX
from lake.queries import readings_per_customer_minute, saved_queries
from lake.reference import REFERENCE_PREFIX, TABLES
from pipeline_config.settings import Settings
from timestream_pipeline import names
from timestream_pipeline.exports import load_exports

DEFAULTS = Settings()
DATABASE = names.lake_database_name(DEFAULTS.database_name)


def _bucket_ref(tpl: dict) -> dict:
    return {"Ref": logical_id(tpl, "AWS::S3::Bucket", "DataLakeBucket")}


def test_the_workgroup_enforces_encrypted_results_in_the_lake_bucket(template: assertions.Template) -> None:
    """Every query's result goes to s3://<lake>/athena-results/ with SSE-S3; users cannot override it."""
    # GIVEN the default stack  WHEN its workgroup is read
    tpl = template.to_json()
    configuration = only(tpl, "AWS::Athena::WorkGroup")["WorkGroupConfiguration"]
    # THEN results are encrypted, enforced, in the lake bucket, on engine 3, with a scan cutoff
    assert configuration["EnforceWorkGroupConfiguration"] is True
    assert configuration["EngineVersion"] == {"SelectedEngineVersion": ENGINE_VERSION}
    assert configuration["BytesScannedCutoffPerQuery"] > 0
    result = configuration["ResultConfiguration"]
    assert result["EncryptionConfiguration"] == {"EncryptionOption": "SSE_S3"}
    assert result["OutputLocation"] == {"Fn::Join": ["", ["s3://", _bucket_ref(tpl), f"/{RESULTS_PREFIX}/"]]}


def test_named_queries_are_the_seeds_join_and_one_per_export(
    template: assertions.Template, exports_fixture: object
) -> None:
    """The saved queries, with the lake database and the workgroup, exactly as lake.queries writes them."""
    # GIVEN the default stack (its exports include sensor_readings)
    tpl = template.to_json()
    workgroup = {"Ref": logical_id(tpl, "AWS::Athena::WorkGroup", "Athena")}
    # WHEN its named queries are read
    found = {
        q["Properties"]["Name"]: q["Properties"] for q in resources(tpl, "AWS::Athena::NamedQuery").values()
    }
    # THEN they are the saved queries, each in the lake database and the workgroup
    expected = saved_queries(DATABASE, load_exports(exports_fixture))  # type: ignore[arg-type]
    assert sorted(found) == sorted(query.name for query in expected)
    for query in expected:
        assert (found[query.name]["QueryString"], found[query.name]["Database"]) == (query.sql, DATABASE)
        assert found[query.name]["WorkGroup"] == workgroup
    join = found[readings_per_customer_minute(DATABASE).name]["QueryString"]
    assert (
        f'FROM "{DATABASE}"."sensor_readings"' in join
        and "sensor_mapping" in join
        and "customer_data" in join
    )


def test_reference_files_are_deployed_under_their_prefix_with_a_glue_table_each(
    template: assertions.Template,
) -> None:
    """The CSVs go to s3://<lake>/reference/ (pruned to what is checked in); Glue reads them typed."""
    # GIVEN the default stack
    tpl = template.to_json()
    # WHEN its bucket deployment into the lake and the reference Glue tables are read
    deployment = next(
        d["Properties"]
        for d in resources(tpl, "Custom::CDKBucketDeployment").values()
        if d["Properties"]["DestinationBucketName"] == _bucket_ref(tpl)
    )
    tables = {
        t["Properties"]["TableInput"]["Name"]: t["Properties"]
        for t in resources(tpl, "AWS::Glue::Table").values()
    }
    # THEN the files land under reference/, and each table reads its folder with the declared columns
    assert deployment["DestinationBucketKeyPrefix"] == f"{REFERENCE_PREFIX}/"
    assert deployment.get("Prune", True) is True
    for table in TABLES:
        table_input = tables[table.name]["TableInput"]
        storage = table_input["StorageDescriptor"]
        assert tables[table.name]["DatabaseName"] == DATABASE
        assert storage["Columns"] == [{"Name": n, "Type": t} for n, t in table.columns]
        assert storage["Location"] == {"Fn::Join": ["", ["s3://", _bucket_ref(tpl), f"/{table.key_prefix}"]]}
        assert storage["SerdeInfo"]["SerializationLibrary"].endswith("LazySimpleSerDe")
        assert table_input["Parameters"]["skip.header.line.count"] == "1"
