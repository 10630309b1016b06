"""A lake to write Iceberg hours into: a moto S3 bucket and the Iceberg catalog in moto's Glue over it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from lake_support import Lake

from pipeline_config import names


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[str]:
    """A ThreadedMotoServer for the session (S3 and Glue); yields its URL."""
    from moto.server import ThreadedMotoServer

    from local import moto_server

    moto_server.install()  # Glue's version check, as on the local stack

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def lake(moto_s3: str) -> Lake:
    """An empty bucket and an empty catalog (the lake database only), as the local stack provides them."""
    from local.lake_catalog import open_catalog
    from local.resources import client

    requests.post(f"{moto_s3}/moto-api/reset", timeout=10).raise_for_status()
    s3 = client("s3", moto_s3, names.LOCAL_REGION)
    s3.create_bucket(Bucket=Lake.BUCKET)
    catalog = open_catalog(moto_s3)
    catalog.create_namespace(Lake.NAMESPACE)
    return Lake(s3=s3, catalog=catalog, endpoint=moto_s3)
