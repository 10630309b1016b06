"""The local stack: AWS services emulated on this machine so the pipeline runs and is tested offline."""

import pipeline_config  # noqa: F401 - puts the deployable bundles on sys.path first
