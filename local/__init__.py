"""The local stack: AWS services emulated on this machine so the pipeline runs and is tested offline."""
