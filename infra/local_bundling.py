"""Asset bundling without Docker: copy a fixed set of files into the asset folder at synth time.

CDK calls `try_bundle` before it would start a container; returning True means the local copy did
the job, so `cdk synth` never needs Docker (there is none on the build machines and CI).
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling


@jsii.implements(ILocalBundling)
class CopyFiles:
    """Copies `{relative destination: source file}` into the output folder."""

    def __init__(self, files: Mapping[str, Path]) -> None:
        self._files = dict(files)

    def try_bundle(self, output_dir: str, *_options: Any, **_keywords: Any) -> bool:
        for destination, source in self._files.items():
            target = Path(output_dir, destination)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        return True


def copy_files_bundling(files: Mapping[str, Path]) -> dict[str, Any]:
    """Asset options that stage exactly `files`; the asset hash follows the staged output.

    The image is never pulled: the local bundler always succeeds, and CDK only falls back to Docker
    when it returns False.
    """
    return {
        "bundling": BundlingOptions(image=DockerImage.from_registry("none"), local=CopyFiles(files)),
        "asset_hash_type": AssetHashType.OUTPUT,
    }
