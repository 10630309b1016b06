"""Print what the backfill component costs: DAG file parse time and request validation time."""

from __future__ import annotations

import subprocess
import sys
import time
import timeit
from pathlib import Path

import harness

REPO_ROOT = Path(__file__).resolve().parent.parent
PARSE = """
import time, sys
sys.path[:0] = ["{root}", "{root}/dags"]
start = time.perf_counter()
from airflow.dag_processing.dagbag import DagBag
imported = time.perf_counter()
bag = DagBag(dag_folder="{root}/dags/timestream_backfill.py")
done = time.perf_counter()
assert not bag.import_errors, bag.import_errors
print(f"{{imported - start:.3f}} {{done - imported:.3f}}")
"""


def main(argv: list[str] | None = None) -> int:
    args = harness.parse_args(__doc__.splitlines()[0], argv)
    runs = []
    for _ in range(1 if args.quick else 3):
        out = subprocess.run(
            [sys.executable, "-c", PARSE.format(root=REPO_ROOT)], capture_output=True, text=True, check=True
        ).stdout.split()
        runs.append((float(out[-2]), float(out[-1])))
    best = min(runs, key=lambda r: r[1])
    harness.say(
        f"DagBag import (airflow): {best[0]:.2f} s; parsing timestream_backfill.py: {best[1] * 1000:.0f} ms "
        f"(best of {len(runs)} fresh processes)"
    )

    sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "dags")]
    from timestream_pipeline import backfill_request as br

    conf = {
        "dag_id": "timestream_export_x",
        "from_date": "2026-11-01T00:00:00Z",
        "to_date": "2026-11-02T00:00:00Z",
    }
    number = 200 if args.quick else 20000
    started = time.perf_counter()
    seconds = timeit.timeit(
        lambda: br.backfill_call(
            br.validate_backfill_conf(conf, allowed_dag_ids=["timestream_export_x"], max_span_days=31)
        ),
        number=number,
    )
    harness.say(
        f"validate + build one request: {seconds / number * 1e6:.1f} us ({number} in "
        f"{time.perf_counter() - started:.2f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
