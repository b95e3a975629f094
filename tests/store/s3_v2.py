"""The aws.s3 plugin as its 2.0.0 would ship: the real operations, the manifest in data/."""

from __future__ import annotations

from pathlib import Path

from connector_core import hookimpl

DATA = Path(__file__).with_name("data")


class S3Plugin:
    """The real aws.s3 hooks with another manifest (2.0.0 drops move_object)."""

    def __init__(self, manifest: Path = DATA / "aws_s3_2.0.0.yaml", dropped: tuple[str, ...] = ("move_object",)):
        self.manifest = manifest
        self.dropped = dropped

    @hookimpl
    def connector_requires(self):
        return ["connector_core.aws.plugin"]

    @hookimpl
    def connector_manifests(self):
        return [self.manifest]

    @hookimpl
    def connector_implementations(self):
        from connector_aws_s3 import hooks  # at run time: importing it at collection perturbs other suites

        impls = hooks.connector_implementations()
        return {op: impl for op, impl in impls.items() if op not in self.dropped}
