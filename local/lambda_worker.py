"""A local Lambda execution environment: `python -m local.lambda_worker ASSET HANDLER NAME ARN MEMORY_MB`.

Like Lambda's runtime, it puts the function's asset folder on sys.path (and nothing of the
repository: its folder is removed once this module and the context class are loaded), imports the
handler named in the template, and keeps it for every invocation, so module-level state lives as
long as this process, as in a warm container. Its environment is the function's, as deployed.
Invocations arrive as JSON lines on stdin ({"event", "remaining_ms", "request_id"}); each answer
({"response"} or {"error"}) is one JSON line on the pipe whose descriptor `LOCAL_LAMBDA_RESPONSE_FD`
names (taken out of the environment before the handler loads). The handler's own output (logs, EMF
metrics) goes to stdout and stderr, as it would go to CloudWatch Logs.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback
from typing import Any

from local.lambda_context import LocalLambdaContext

RESPONSE_FD_VARIABLE = "LOCAL_LAMBDA_RESPONSE_FD"


def main(argv: list[str]) -> int:
    asset_dir, handler_path, function_name, function_arn, memory_mb = argv
    response_fd = int(os.environ.pop(RESPONSE_FD_VARIABLE))
    repository = os.getcwd()
    sys.path[:] = [p for p in sys.path if p not in ("", repository)]
    sys.path.insert(0, asset_dir)
    module_name, _, attribute = handler_path.rpartition(".")
    handler = getattr(importlib.import_module(module_name), attribute)
    with os.fdopen(response_fd, "w", encoding="utf-8") as answers:
        for line in sys.stdin:
            request = json.loads(line)
            context = LocalLambdaContext(
                function_name,
                function_arn,
                request["remaining_ms"] / 1000,
                memory_limit_in_mb=int(memory_mb),
                aws_request_id=request["request_id"],
            )
            answers.write(json.dumps(_invoke(handler, request["event"], context)) + "\n")
            answers.flush()
    return 0


def _invoke(handler: Any, event: Any, context: LocalLambdaContext) -> dict[str, Any]:
    try:
        return {"response": handler(event, context)}
    except Exception as error:  # reported to the mapping as Lambda reports a function error
        traceback.print_exc()
        return {"error": {"errorType": type(error).__name__, "errorMessage": str(error)}}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
