"""Create an export's Iceberg table on first use, keep it in step with exports.toml, replace one hour.

The DAG creates the table (the CDK app creates only the database): the schema, partition spec and
properties then come from one place, exports.toml through `iceberg_schema`, and the same code creates
the table in Glue on AWS and in the local stack's catalog.
"""

from __future__ import annotations

import warnings
from datetime import datetime
from typing import TYPE_CHECKING

from timestream_pipeline import names
from timestream_pipeline.errors import SettingsError
from timestream_pipeline.exports import ExportSpec
from timestream_pipeline.iceberg_schema import TABLE_PROPERTIES, hour_filter, iceberg_schema, partition_spec

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog
    from pyiceberg.table import Table

_NOTHING_TO_DELETE = "Delete operation did not match any records"  # the hour's first export


def ensure_table(catalog: Catalog, namespace: str, spec: ExportSpec, location: str) -> Table:
    """The export's table: created if missing; columns added to exports.toml are added to it too."""
    from pyiceberg.exceptions import NoSuchNamespaceError, NoSuchTableError, TableAlreadyExistsError

    identifier = (namespace, names.glue_table_name(spec.name))
    try:
        # Load first: pyiceberg's create writes a metadata file before it learns the table exists.
        return _in_step(catalog.load_table(identifier), spec)
    except NoSuchTableError:
        pass
    schema = iceberg_schema(spec)
    try:
        table = catalog.create_table(
            identifier,
            schema=schema,
            location=location,
            partition_spec=partition_spec(schema),
            properties=TABLE_PROPERTIES,
        )
    except TableAlreadyExistsError:  # another hour's first run created it a moment ago
        table = catalog.load_table(identifier)
    except NoSuchNamespaceError as error:
        raise SettingsError(
            f"the lake database {namespace!r} does not exist in the Iceberg catalog: deploy the CDK app "
            f"(it creates the Glue database) or, on the local stack, run `python -m local up`"
        ) from error
    return _in_step(table, spec)


def _in_step(table: Table, spec: ExportSpec) -> Table:
    from pyiceberg.exceptions import ValidationError

    declared = iceberg_schema(spec)
    if {f.name for f in declared.fields} - {f.name for f in table.schema().fields}:
        try:
            with table.update_schema() as update:
                update.union_by_name(declared)
        except ValidationError as error:
            raise SettingsError(
                f"export {spec.name}: exports.toml no longer matches the Iceberg table ({error}); "
                f"add columns only, or export to a new name"
            ) from error
    drifted = {key: value for key, value in TABLE_PROPERTIES.items() if table.properties.get(key) != value}
    if drifted:
        with table.transaction() as transaction:
            transaction.set_properties(drifted)
    return table


def replace_hour(
    table: Table, hour_start: datetime, file_uris: list[str], summary: dict[str, str]
) -> int | None:
    """In ONE commit: delete the hour's rows and add `file_uris`. Returns the new current snapshot id.

    Readers see the hour before this commit or after it, never a mix. The files must be new (unique
    names), since the snapshot being replaced still references the old ones. On a conflict with a
    concurrent commit pyiceberg retries against the new metadata (TABLE_PROPERTIES bound it);
    another hour's commit never conflicts, a concurrent commit of the same hour fails validation.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_NOTHING_TO_DELETE)
        with table.transaction() as transaction:
            transaction.delete(hour_filter(hour_start), snapshot_properties=summary)
            if file_uris:
                # The names are new, so checking every manifest for duplicates would only cost time.
                transaction.add_files(file_uris, snapshot_properties=summary, check_duplicate_files=False)
    snapshot = table.current_snapshot()
    return snapshot.snapshot_id if snapshot else None
