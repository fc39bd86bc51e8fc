"""`ledger db current`, `ledger db upgrade`: the index's schema revision (opening the ledger upgrades it too).

Both need only the home and the index: no chain, no passphrase.
"""

from __future__ import annotations

import click

from ..errors import NotInitialised
from ..index.engine import open_engine
from ..index.migrate import current_revision, head_revision, revision_doc, upgrade_index
from ..index.write_lock import WriteLock
from ._context import CliContext, pass_ctx

__all__ = ["db"]


@click.group()
def db() -> None:
    """The index's schema: which migration revision it is at, and upgrading it."""


@db.command("current")
@pass_ctx
def db_current(ctx: CliContext) -> None:
    """Print the index's schema revision and whether it is this version's newest."""
    if not ctx.settings.deployment_file.exists():  # else SQLite would make an empty file where the index should be
        raise NotInitialised(str(ctx.settings.home))
    engine = open_engine(ctx.settings.database_url)
    try:
        revision = current_revision(engine)
    finally:
        engine.dispose()
    newest = head_revision()
    if revision == newest:
        state = "up to date"
    elif revision is None:
        state = "no schema version: made before migrations (or empty); opening the ledger upgrades it"
    elif revision_doc(revision) is None:
        state = f"newer than this version of the ledger (its newest is {newest}): upgrade the ledger software"
    else:
        state = f"behind this version's newest, {newest}: `ledger db upgrade` (or any command that opens the ledger) upgrades it"
    data = {"database": engine.url.render_as_string(hide_password=True), "revision": revision, "newest": newest,
            "up_to_date": revision == newest, "state": state}
    ctx.emit(data, lambda: click.echo(f"{data['database']}: revision {revision or '(none)'}"
                                      + (f" ({revision_doc(revision)})" if revision and revision_doc(revision) else "")
                                      + f", {state}"))


@db.command("upgrade")
@pass_ctx
def db_upgrade(ctx: CliContext) -> None:
    """Bring the index to this version's newest schema revision, e.g. before restarting the web workers."""
    if not ctx.settings.deployment_file.exists():
        raise NotInitialised(str(ctx.settings.home))
    engine = open_engine(ctx.settings.database_url)
    try:
        upgrade = upgrade_index(engine, WriteLock(engine, ctx.settings.lock_file))
    finally:
        engine.dispose()
    newest = head_revision()
    message = str(upgrade) if upgrade else f"index {engine.url.render_as_string(hide_password=True)}: at revision {newest}, up to date"
    ctx.emit({"upgraded": upgrade is not None, "from": upgrade.before if upgrade else newest, "to": newest}, lambda: click.echo(message))
