"""The CDK app's constructs: one concern per module, composed by `pipeline_stack.PipelineStack`."""
