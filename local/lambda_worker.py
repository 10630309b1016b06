"""A local Lambda execution environment: `python -I local/lambda_worker.py ASSET HANDLER NAME ARN MEMORY_MB`.

Like Lambda's runtime, it puts the function's asset folder on sys.path and nothing of the repository
(isolated mode leaves this script's folder out; the context class is loaded from its file), imports
the handler named in the template, and keeps it for every invocation, so module-level state lives as
long as this process, as in a warm container. Its environment is the function's, as deployed.
Once the handler is imported (Lambda's init phase) it says {"ready"} (or {"init_error"}); then
invocations arrive as JSON lines on stdin ({"event", "remaining_ms", "request_id"}) and each answer
({"response"} or {"error"}) is one JSON line on the pipe whose descriptor `LOCAL_LAMBDA_RESPONSE_FD`
names (taken out of the environment before the handler loads). The handler's own output (logs, EMF
metrics) goes to stdout and stderr, as it would go to CloudWatch Logs.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

RESPONSE_FD_VARIABLE = "LOCAL_LAMBDA_RESPONSE_FD"


def _context_class() -> Any:
    """LocalLambdaContext, from the file beside this one: no package of the repository is imported."""
    spec = importlib.util.spec_from_file_location(
        "local_lambda_context", Path(__file__).with_name("lambda_context.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module.LocalLambdaContext


def main(argv: list[str]) -> int:
    asset_dir, handler_path, function_name, function_arn, memory_mb = argv
    response_fd = int(os.environ.pop(RESPONSE_FD_VARIABLE))
    context_class = _context_class()
    sys.path.insert(0, asset_dir)
    module_name, _, attribute = handler_path.rpartition(".")
    with os.fdopen(response_fd, "w", encoding="utf-8") as answers:
        try:  # the init phase: on Lambda it does not count against the invocation's timeout
            handler = getattr(importlib.import_module(module_name), attribute)
        except Exception as error:
            traceback.print_exc()
            answers.write(json.dumps({"init_error": _error(error)}) + "\n")
            return 1
        answers.write(json.dumps({"ready": True}) + "\n")
        answers.flush()
        for line in sys.stdin:
            request = json.loads(line)
            context = context_class(
                function_name,
                function_arn,
                request["remaining_ms"] / 1000,
                memory_limit_in_mb=int(memory_mb),
                aws_request_id=request["request_id"],
            )
            answer = json.dumps(_invoke(handler, request["event"], context)) + "\n"
            # The invocation's output is in the log before its answer: an environment is killed when
            # the mapping stops, and what its buffers held would be lost (CloudWatch keeps every line).
            sys.stdout.flush()
            sys.stderr.flush()
            answers.write(answer)
            answers.flush()
    return 0


def _invoke(handler: Any, event: Any, context: Any) -> dict[str, Any]:
    try:
        return {"response": handler(event, context)}
    except Exception as error:  # reported to the mapping as Lambda reports a function error
        traceback.print_exc()
        return {"error": _error(error)}


def _error(error: Exception) -> dict[str, str]:
    return {"errorType": type(error).__name__, "errorMessage": str(error)}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
