"""Athena-ready exports: the lake database, and a Glue table with partition projection over dt/hour per
plain export (Iceberg export tables are created by the export DAG, see tests/lake)."""

from __future__ import annotations

from aws_cdk import assertions
from cdk_helpers import logical_id, only, resources

from lake.reference import TABLES as REFERENCE_TABLES
from pipeline_config.settings import Settings
from timestream_pipeline import names as dag_names
from timestream_pipeline.exports import load_exports

DEFAULTS = Settings()


def _s3_url(tpl: dict, key: str) -> dict:
    """`s3://<data lake bucket>/<key>` as the template joins it."""
    return {
        "Fn::Join": ["", ["s3://", {"Ref": logical_id(tpl, "AWS::S3::Bucket", "DataLakeBucket")}, "/" + key]]
    }


def _tables(tpl: dict, *, exports_only: bool = True) -> dict[str, dict]:
    tables = resources(tpl, "AWS::Glue::Table").values()
    found = {t["Properties"]["TableInput"]["Name"]: t["Properties"] for t in tables}
    references = {table.name for table in REFERENCE_TABLES}
    return {name: t for name, t in found.items() if not exports_only or name not in references}


def test_one_table_per_plain_export_in_the_lake_database(
    template: assertions.Template, exports_fixture
) -> None:
    """Parquet and CSV exports and the reference tables have a Glue table; Iceberg exports do not (yet)."""
    # GIVEN the default stack built from the exports fixture (parquet, csv and iceberg exports)
    tpl = template.to_json()
    specs = load_exports(exports_fixture)
    assert {spec.format for spec in specs} == {"parquet", "csv", "iceberg"}
    # WHEN the Glue database and tables are read
    database = only(tpl, "AWS::Glue::Database")
    tables = _tables(tpl, exports_only=False)
    # THEN the database is named after the Timestream database, and holds exactly those tables
    database_name = dag_names.lake_database_name(DEFAULTS.database_name)
    assert database_name == "timeseries_pipeline_lake"
    assert database["DatabaseInput"]["Name"] == database_name
    plain = [spec.name for spec in specs if not spec.is_iceberg]
    assert sorted(tables) == sorted(plain + [table.name for table in REFERENCE_TABLES])
    assert {t["DatabaseName"] for t in tables.values()} == {database_name}


def test_tables_have_the_declared_columns_location_and_format(
    template: assertions.Template, exports_fixture
) -> None:
    """Columns come from the spec; Parquet and CSV exports get their own SerDe and formats."""
    # GIVEN the default stack and the fixture's exports (one parquet, one csv)
    tpl = template.to_json()
    tables = _tables(tpl)
    serdes = {
        "parquet": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
        "csv": "org.apache.hadoop.hive.serde2.OpenCSVSerde",
    }
    for spec in (spec for spec in load_exports(exports_fixture) if not spec.is_iceberg):
        # WHEN the export's table is read
        storage = tables[spec.name]["TableInput"]["StorageDescriptor"]
        # THEN its columns, S3 location and SerDe follow the spec
        assert storage["Columns"] == [{"Name": c.name, "Type": c.type} for c in spec.columns]
        prefix = dag_names.export_table_prefix(DEFAULTS.export_prefix, spec.name)
        assert storage["Location"] == _s3_url(tpl, prefix)
        assert storage["SerdeInfo"]["SerializationLibrary"] == serdes[spec.format]


def test_partitions_are_projected_over_dt_and_hour(template: assertions.Template) -> None:
    """dt (yyyy-MM-dd dates up to NOW) and hour (00..23) are projected; no crawler is needed."""
    # GIVEN the default stack
    tpl = template.to_json()
    for name, table in _tables(tpl).items():
        table_input = table["TableInput"]
        parameters = table_input["Parameters"]
        prefix = dag_names.export_table_prefix(DEFAULTS.export_prefix, name)
        # WHEN / THEN the partition keys and projection parameters are set
        assert table_input["PartitionKeys"] == [
            {"Name": "dt", "Type": "string"},
            {"Name": "hour", "Type": "string"},
        ]
        assert table_input["TableType"] == "EXTERNAL_TABLE"
        assert {k: v for k, v in parameters.items() if k.startswith(("projection.", "storage."))} == {
            "projection.enabled": "true",
            "projection.dt.type": "date",
            "projection.dt.format": "yyyy-MM-dd",
            "projection.dt.range": "2020-01-01,NOW",
            "projection.dt.interval": "1",
            "projection.dt.interval.unit": "DAYS",
            "projection.hour.type": "integer",
            "projection.hour.range": "0,23",
            "projection.hour.digits": "2",
            "storage.location.template": _s3_url(tpl, prefix + "dt=${dt}/hour=${hour}/"),
        }
