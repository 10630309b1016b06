"""The running local stack's address book (`.local/stack.json`), written by `python -m local up`.

Generators and CLIs read it to find endpoints and names when the local stack is running.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipeline_config import names
from pipeline_config.settings import REPO_ROOT

DEFAULT_STATE_PATH = REPO_ROOT / names.LOCAL_STATE_DIR / names.LOCAL_STATE_FILE
# moto accepts any credentials; fixed fake ones keep real ones from ever reaching a local endpoint.
LOCAL_ACCESS_KEY_ID = "testing"
LOCAL_SECRET_ACCESS_KEY = "testing"  # noqa: S105 - moto's documented fake key, not a secret
LOCAL_CREDENTIALS = {
    "aws_access_key_id": LOCAL_ACCESS_KEY_ID,
    "aws_secret_access_key": LOCAL_SECRET_ACCESS_KEY,
    "aws_session_token": LOCAL_ACCESS_KEY_ID,
}


@dataclass(frozen=True)
class LocalStackState:
    """Endpoints, resource names and process ids of a running local stack."""

    moto_endpoint: str
    timestream_endpoint: str
    region: str
    account: str
    database: str
    raw_table: str
    cep_table: str
    raw_stream: str
    cep_stream: str
    bucket: str
    kept_bucket: str  # the mappings' on-failure destination (kept records, ledger, replay marks)
    pids: dict[str, int] = field(default_factory=dict)

    def save(self, path: Path = DEFAULT_STATE_PATH) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = DEFAULT_STATE_PATH) -> LocalStackState | None:
        """The saved state, or None when no local stack was started."""
        if not path.is_file():
            return None
        return cls(**json.loads(path.read_text(encoding="utf-8")))
