"""The CDK app's constructs: one concern per module, composed by `pipeline_stack.PipelineStack`."""

import pipeline_config  # noqa: F401 - puts the deployable bundles on sys.path first
