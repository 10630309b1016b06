"""Repository-only settings: cdk.json's context, the local stack's state, deployment-wide names.

Importing this package puts the deployable bundles on sys.path (see bundles.py), so every entry
point of the repository (app.py, `python -m local`, `python -m generators`, bench/) imports the
DAG and Lambda packages as their runtimes do. Nothing in a bundle imports this package.
"""

from pipeline_config.bundles import put_bundles_on_path

put_bundles_on_path()

from pipeline_config.settings import Settings, SettingsError, load_settings  # noqa: E402

__all__ = ["Settings", "SettingsError", "load_settings"]
