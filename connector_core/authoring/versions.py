"""``connectors diff-manifest OLD NEW``: what a new manifest version changes, and what breaks."""

from __future__ import annotations

import json
import sys

import click


@click.command("diff-manifest")
@click.argument("old", type=click.Path(dir_okay=False, exists=True))
@click.argument("new", type=click.Path(dir_okay=False, exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def diff_manifest(ctx: click.Context, old: str, new: str, as_json: bool) -> None:
    """Classify each change from OLD to NEW as breaking or not.

    Exits 1 when a breaking change needs a migration the new manifest lacks, or a
    breaking change comes without a new major version.
    """
    from connector_core.manifest_diff import diff_manifests, uncovered_changes, version_change

    from .commands import _host

    host = _host(ctx)
    before, after = host.read_manifest(old), host.read_manifest(new)
    changes = diff_manifests(before, after)
    uncovered = uncovered_changes(before, after, changes)
    bump = version_change(before, after)
    breaking = [c for c in changes if c.breaking]
    problems = []
    if breaking and bump != "major":
        problems.append(f"{len(breaking)} breaking change(s) but the version goes {before.version} -> "
                        f"{after.version}: make it {int(after.version.split('.')[0]) + 1}.0.0")
    for c in uncovered:
        problems.append(f"{c.path}: {c.what} has no migration from {before.version} "
                        "(add a `migrations:` step that names the field, see docs/manifest.md)")
    if as_json:
        click.echo(json.dumps({"old": before.version, "new": after.version, "bump": bump,
                               "changes": [c.to_dict() for c in changes], "problems": problems}, indent=2))
    else:
        click.echo(f"{before.id} {before.version} -> {after.version} ({bump})")
        for c in changes:
            click.echo(f"  {c}")
        if not changes:
            click.echo("  no changes")
        for p in problems:
            click.echo(f"error: {p}", err=True)
    if problems:
        sys.exit(1)
