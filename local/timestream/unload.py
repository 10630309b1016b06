"""UNLOAD (SELECT ...) TO 's3://bucket/prefix/' WITH (...): data files, manifest and metadata on S3.

Layout, as the service writes it: data under `<prefix>results/[<col>=<value>/...]`, partition
columns (the last columns of the SELECT) dropped from the files, and `<query id>_..._manifest.json` /
`..._metadata.json` beside `results/`. The manifest is written last: a failed UNLOAD leaves no manifest.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
from botocore.exceptions import BotoCoreError, ClientError

from local.timestream.exceptions import ValidationException
from local.timestream.query import segments

_HEAD = re.compile(r"^\s*UNLOAD\s*\(", re.IGNORECASE)
_TAIL = re.compile(
    r"^\s*TO\s*'(s3://[^'/]+/[^']*)'\s*(?:WITH\s*\((.*)\))?\s*;?\s*$", re.IGNORECASE | re.DOTALL
)
_OPTION = re.compile(r"^\s*(\w+)\s*=\s*(.+?)\s*$", re.DOTALL)
_KNOWN_OPTIONS = {
    "format", "compression", "partitioned_by", "include_header", "field_delimiter", "escaped_by",
    "max_file_size", "encryption", "kms_key",
}  # fmt: skip
_ARROW_FOR = {
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "DOUBLE": pa.float64(),
    "VARCHAR": pa.string(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMP": pa.timestamp("ns"),
    "DATE": pa.date32(),
}


@dataclass
class UnloadSpec:
    select: str
    destination: str
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def format(self) -> str:
        return str(self.options.get("format", "PARQUET")).upper()

    @property
    def gzip(self) -> bool:
        return str(self.options.get("compression", "GZIP")).upper() == "GZIP"

    @property
    def partitions(self) -> list[str]:
        return list(self.options.get("partitioned_by", []))


def parse_unload(sql: str) -> UnloadSpec | None:
    """The parts of an UNLOAD statement, or None for any other statement."""
    if not _HEAD.match(sql):
        return None
    start = sql.index("(") + 1
    depth, position = 1, 0
    for is_code, text in segments(sql[start:]):
        if is_code:
            for offset, char in enumerate(text):
                depth += {"(": 1, ")": -1}.get(char, 0)
                if depth == 0:
                    position += offset
                    break
            else:
                position += len(text)
                continue
            break
        position += len(text)
    if depth:
        raise ValidationException("UNLOAD: the SELECT in UNLOAD (...) has unbalanced parentheses.")
    tail = _TAIL.match(sql[start + position + 1 :])
    if not tail:
        raise ValidationException(
            "UNLOAD syntax: UNLOAD (SELECT ...) TO 's3://bucket/prefix/' WITH (option = value, ...)"
        )
    spec = UnloadSpec(sql[start : start + position], tail.group(1), _parse_options(tail.group(2) or ""))
    if spec.format not in ("PARQUET", "CSV"):
        raise ValidationException(f"UNLOAD format {spec.format!r} is not CSV or PARQUET.")
    return spec


def _parse_options(text: str) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for item in _split_top_level(text):
        match = _OPTION.match(item)
        if not match or match.group(1).lower() not in _KNOWN_OPTIONS:
            raise ValidationException(
                f"UNLOAD option {item.strip()!r} is not one of {sorted(_KNOWN_OPTIONS)}."
            )
        key, raw = match.group(1).lower(), match.group(2)
        if key == "partitioned_by":
            options[key] = re.findall(
                r"'([^']*)'|\"([^\"]*)\"|(\w+)", raw.strip()[len("ARRAY") :].strip("[] ")
            )
            options[key] = [next(p for p in parts if p) for parts in options[key]]
        else:
            options[key] = raw.strip().strip("'")
    return options


def _split_top_level(text: str) -> list[str]:
    items, depth, current = [], 0, ""
    for is_code, piece in segments(text):
        for char in piece if is_code else [piece]:
            depth += {"[": 1, "(": 1, "]": -1, ")": -1}.get(char, 0) if is_code else 0
            if is_code and char == "," and depth == 0:
                items.append(current)
                current = ""
            else:
                current += char
    return [item for item in [*items, current] if item.strip()]


class Unloader:
    """Writes one UNLOAD's files to an S3 endpoint (the local moto server)."""

    def __init__(self, s3_endpoint_url: str | None, region: str) -> None:
        self.s3_endpoint_url = s3_endpoint_url
        self.region = region

    def write(
        self, spec: UnloadSpec, query_id: str, infos: list[dict], rows: list[dict], table: pa.Table
    ) -> dict:
        """Write data files, metadata and manifest; returns the response row's values."""
        if not self.s3_endpoint_url:
            raise ValidationException(
                "UNLOAD needs an S3 endpoint: start the server with --s3-endpoint <url>."
            )
        names = [info["Name"] for info in infos]
        if spec.partitions and names[-len(spec.partitions) :] != spec.partitions:
            raise ValidationException(
                f"UNLOAD partitioned_by {spec.partitions} must be the last columns of the SELECT, "
                "in that order."
            )
        bucket, _, prefix = spec.destination[len("s3://") :].partition("/")
        prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        client = self._client()
        keep = len(names) - len(spec.partitions)
        groups: dict[tuple[str, ...], list[int]] = {}
        for index, row in enumerate(rows):
            key = tuple(d.get("ScalarValue", "__HIVE_DEFAULT_PARTITION__") for d in row["Data"][keep:])
            groups.setdefault(key, []).append(index)
        files, run = [], uuid.uuid4().hex[:16]
        for number, (values, indexes) in enumerate(sorted(groups.items())):
            folder = "".join(f"{col}={val}/" for col, val in zip(spec.partitions, values, strict=True))
            body = self._render(spec, infos[:keep], [rows[i] for i in indexes], table.take(indexes), keep)
            extension = (".parquet" if spec.format == "PARQUET" else ".csv") + (".gz" if spec.gzip else "")
            key = f"{prefix}results/{folder}{query_id}_{run}_{number}{extension}"
            self._put(client, bucket, key, body)
            sizes = {"content_length_in_bytes": len(body), "row_count": len(indexes)}
            files.append({"url": f"s3://{bucket}/{key}", "file_metadata": sizes})
        metadata = {
            "ColumnInfo": infos,
            "Author": {"Name": "Amazon Timestream", "MetadataFileVersion": "1.0"},
        }
        metadata_key = f"{prefix}{query_id}_{run}_metadata.json"
        self._put(client, bucket, metadata_key, json.dumps(metadata).encode())
        manifest = {
            "result_files": files,
            "query_metadata": {
                "content_length_in_bytes": sum(f["file_metadata"]["content_length_in_bytes"] for f in files),
                "total_row_count": len(rows),
                "result_format": spec.format,
                "result_version": "Amazon Timestream version 1.0.0",
            },
            "author": {"name": "Amazon Timestream", "manifest_file_version": "1.0"},
        }
        manifest_key = f"{prefix}{query_id}_{run}_manifest.json"
        self._put(client, bucket, manifest_key, json.dumps(manifest).encode())
        return {"rows": len(rows), "metadataFile": f"s3://{bucket}/{metadata_key}",
                "manifestFile": f"s3://{bucket}/{manifest_key}"}  # fmt: skip

    def _render(
        self, spec: UnloadSpec, infos: list[dict], rows: list[dict], table: pa.Table, keep: int
    ) -> bytes:
        if spec.format == "CSV":
            buffer = io.StringIO()
            writer = csv.writer(
                buffer,
                delimiter=spec.options.get("field_delimiter", ","),
                escapechar=spec.options.get("escaped_by", "\\"),
                lineterminator="\n",
            )
            if str(spec.options.get("include_header", "false")).lower() == "true":
                writer.writerow([info["Name"] for info in infos])
            for row in rows:
                writer.writerow([d.get("ScalarValue", "") for d in row["Data"][:keep]])
            data = buffer.getvalue().encode()
            return gzip.compress(data) if spec.gzip else data
        columns = {}
        for i, info in enumerate(infos):
            arrow_type = _ARROW_FOR.get(info["Type"].get("ScalarType", ""), None)
            column = table.column(i)
            if arrow_type is None:
                column = pa.array(
                    [json.dumps(d) if "NullValue" not in d else None for d in (r["Data"][i] for r in rows)]
                )
            elif pa.types.is_timestamp(column.type) and column.type.tz:
                column = column.cast(pa.timestamp("ns", tz="UTC")).cast(pa.int64()).cast(arrow_type)
            else:
                column = column.cast(arrow_type)
            columns[info["Name"]] = column
        sink = io.BytesIO()
        pq.write_table(pa.table(columns), sink, compression="gzip" if spec.gzip else "none")
        return sink.getvalue()

    def _client(self) -> Any:
        session = boto3.session.Session()
        credentials = (
            {}
            if session.get_credentials()
            else {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
        )
        return session.client("s3", endpoint_url=self.s3_endpoint_url, region_name=self.region, **credentials)

    def _put(self, client: Any, bucket: str, key: str, body: bytes) -> None:
        try:
            client.put_object(Bucket=bucket, Key=key, Body=body)
        except (ClientError, BotoCoreError) as error:
            raise ValidationException(f"UNLOAD could not write s3://{bucket}/{key}: {error}") from None
