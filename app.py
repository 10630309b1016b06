"""The CDK app: settings from cdk.json context (or `-c key=value`), validated before anything is built."""

from __future__ import annotations

import os
import sys

from pipeline_config.node_runtime import use_project_node

use_project_node()  # before aws_cdk starts its jsii runtime on some older Node

from aws_cdk import App, Environment  # noqa: E402

from infra.pipeline_stack import PipelineStack  # noqa: E402
from pipeline_config import SettingsError  # noqa: E402
from pipeline_config.context_keys import check_context_keys, feature_flags  # noqa: E402
from pipeline_config.settings import SETTING_KEYS, read_cdk_json_context, settings_from_context  # noqa: E402
from timestream_pipeline.exports import load_exports  # noqa: E402

try:
    # cdk.json's context as the base, so `python app.py` synthesizes like `cdk synth`; the CLI's wins.
    cdk_json = read_cdk_json_context()
    app = App(context=cdk_json)
    check_context_keys(app.node.get_all_context(), SETTING_KEYS, feature_flags(cdk_json))
    context = {key: app.node.try_get_context(key) for key in SETTING_KEYS}
    settings = settings_from_context({key: value for key, value in context.items() if value is not None})
    exports = load_exports()
except SettingsError as error:
    sys.exit(f"error: {error}")
# Account and region come from the CLI's credentials and profile, never from this file.
env = Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION"))
PipelineStack(app, "PipelineStack", settings=settings, exports=exports, env=env)
app.synth()
