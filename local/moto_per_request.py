"""Two costs moto's server pays on every request, made independent of the body and of the disk.

- `BaseResponse._enrich_response` puts the request id into XML bodies with
  `re.sub(r"(?<=<RequestId>).*(?=<\\/RequestId>)", ...)`: the look-behind is tried at every character,
  so a JSON body with no `<RequestId>` at all is scanned for nothing. A 500-record GetRecords answer
  (200 kB) took 1.7 ms, 22% of the local server's time while the mappings read (py-spy). The
  replacement skips the scan when the text cannot match (no `<RequestId>` in it) and otherwise calls
  moto's own: the same headers and body either way.
- `DomainDispatcherApplication.get_backend_for_host` calls `backends.list_of_moto_modules()`, which lists
  moto's package folder and stats each entry (~150 `isdir`) on every request (6% of the server's time
  while the mappings read). The folder does not change while the server runs: listed once.

Read in moto 5.2.5 (moto/core/responses.py, moto/backends.py, moto/moto_server/werkzeug_app.py);
`local.moto_server.install()` refuses any other version.
"""

from __future__ import annotations

import functools
from typing import Any

from moto import backends
from moto.core.responses import BaseResponse

STOCK_ENRICH_RESPONSE = BaseResponse._enrich_response
STOCK_LIST_OF_MOTO_MODULES = backends.list_of_moto_modules
REQUEST_ID_TAG = "<RequestId>"  # what moto's pattern looks behind for


def enrich_response(headers: dict[str, str], body: Any) -> tuple[dict[str, str], Any]:
    """moto's `_enrich_response`, without its regex scan of a text that holds no `<RequestId>`."""
    if isinstance(body, str) and REQUEST_ID_TAG not in body:
        return STOCK_ENRICH_RESPONSE(headers, "")[0], body  # the headers exactly as moto sets them
    return STOCK_ENRICH_RESPONSE(headers, body)


@functools.cache
def moto_modules() -> tuple[str, ...]:
    """`backends.list_of_moto_modules()`, listed once."""
    return tuple(STOCK_LIST_OF_MOTO_MODULES())


def install() -> None:
    """Both replacements in this process (idempotent)."""
    BaseResponse._enrich_response = staticmethod(enrich_response)  # type: ignore[method-assign, assignment]
    backends.list_of_moto_modules = moto_modules  # type: ignore[assignment]
