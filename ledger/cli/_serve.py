"""`ledger serve`, `ledger user …`, `ledger token …`: the verifier web app and its accounts.

gunicorn serves the app (gthread workers, its C HTTP parser): on the embedded chain, which one
process may open, with one worker; on the scale-out set-up (JSON-RPC chain and PostgreSQL) with
one worker per CPU, each opening its own ledger. On the embedded set-up one gunicorn worker
verified ~1,300 requests/s where waitress managed ~470/s (its HTTP handling is pure Python).
"""

from __future__ import annotations

import os
import sys
from datetime import datetime

import click

from ..index.accounts import (
    check_new_user,
    create_token,
    create_user,
    list_tokens,
    list_users,
    remove_user,
    revoke_token,
    set_password,
)
from ._context import CliContext, pass_ctx

__all__ = ["serve", "token", "user"]

# A Unix socket's path must fit in sockaddr_un.sun_path (108 bytes with the terminating NUL on Linux).
_MAX_SOCKET_PATH = 107


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (0.0.0.0 to serve the network).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", type=click.IntRange(1, 64),
              help="Worker processes (default one per CPU; the embedded chain allows one).")
# Few threads per process: a verification is mostly Python holding the GIL, and more threads
# only queue on it (at saturation, p99 rose from ~50 ms with 4 threads to ~125 ms with 16).
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 256), help="Threads per process.")
@click.option("--access-log/--no-access-log", default=False, show_default=True,
              help="Log every request to standard output (gunicorn's access log).")
@pass_ctx
def serve(ctx: CliContext, host: str, port: int, workers: int | None, threads: int, access_log: bool) -> None:
    """Run the verifier web app with gunicorn: one worker on the embedded chain, one per CPU on a JSON-RPC chain."""
    settings = ctx.with_passphrase()
    embedded = settings.chain == "embedded"
    if embedded and workers and workers > 1:
        raise click.UsageError("the embedded chain is opened by one process only; use a JSON-RPC chain (and PostgreSQL) "
                               "for --workers above 1")
    count = 1 if embedded else workers or os.cpu_count() or 1
    # Opened here first, so a home that is not initialised or a chain that is down fails with the
    # ledger's own message rather than as a worker that will not boot; closed to free the embedded chain.
    ctx.ledger.close()
    environ = {**os.environ, "LEDGER_HOME": str(settings.home), "LEDGER_CHAIN": settings.chain,
               "LEDGER_DATABASE_URL": settings.database_url, "LEDGER_PASSPHRASE": settings.passphrase or ""}
    click.echo(f"verifier on http://{host}:{port}/ (gunicorn, {count} worker{'s' if count > 1 else ''} × {threads} threads, "
               f"{settings.chain})", err=True)
    # Off unless asked: formatting and writing a line per request under the logging lock was ~6% of
    # the verify path's samples in py-spy; a proxy in front usually keeps the log.
    logging = ["--access-logfile", "-"] if access_log else []
    # gunicorn's control socket (gunicornc) defaults to one path per user ($XDG_RUNTIME_DIR or ~/.gunicorn),
    # which every instance on the machine would take over from the one before; one per home and port instead.
    control = settings.home / f"gunicorn-{port}.ctl"
    if len(os.fsencode(control)) <= _MAX_SOCKET_PATH:
        control_socket = ["--control-socket", str(control)]
    else:
        click.echo(f"no gunicorn control socket: {control} is longer than a Unix socket path may be", err=True)
        control_socket = ["--no-control-socket"]
    # exec: gunicorn becomes this process, so signals and exit codes reach it directly.
    # --reuse-port: each worker listens on its own SO_REUSEPORT socket and the kernel spreads
    # connections over them; on one shared socket the worker that wakes first took most of the
    # keep-alive connections (38 / 10 / 2 of 50 measured) and its queue set the tail latency.
    os.execve(sys.executable, [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", str(count),
                               "--threads", str(threads), "--worker-class", "gthread", "--reuse-port", *logging,
                               *control_socket, "web.app:create_app()"], environ)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "never"


# Not a --password option: a command line is visible to every user of the machine (ps, /proc).
_password_stdin = click.option("--password-stdin", is_flag=True,
                               help="Read the password from the first line of standard input (for scripts); "
                                    "otherwise it is prompted for.")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@click.group()
def user() -> None:
    """Web users: people who sign in to the verifier, each acting for a ledger party."""


@user.command("add")
@click.argument("name")
@click.option("--party", required=True, help="The ledger party this user acts for.")
@_password_stdin
@pass_ctx
def user_add(ctx: CliContext, name: str, party: str, password_stdin: bool) -> None:
    """Create the web user NAME for PARTY (the password is stored as an argon2 hash)."""
    engine = ctx.index()
    # Checked before the prompt: a typo in --party should not cost typing a password twice.
    check_new_user(engine, name, party)
    account = create_user(engine, name, party, _password(password_stdin))
    data = {"user": account.user, "party": account.party, "role": account.role.value}
    ctx.emit(data, lambda: click.echo(f"added user {account.user} for {account.party} ({account.role.value})"))


@user.command("password")
@click.argument("name")
@_password_stdin
@pass_ctx
def user_password(ctx: CliContext, name: str, password_stdin: bool) -> None:
    """Set a new password for NAME and sign NAME out everywhere (API tokens stay valid)."""
    ended = set_password(ctx.index(), name, _password(password_stdin))
    ctx.emit({"user": name, "sessions_ended": ended},
             lambda: click.echo(f"new password for {name}; {ended} session{'s' if ended != 1 else ''} ended"))


@user.command("list")
@pass_ctx
def user_list(ctx: CliContext) -> None:
    """List the web users, the party each acts for and how many API tokens each has."""
    users = list_users(ctx.index())
    rows = [{"user": u.name, "party": u.party, "role": u.role, "created_at": u.created_at.isoformat(), "tokens": u.tokens}
            for u in users]

    def human() -> None:
        for u in users:
            click.echo(f"{u.name:20} {u.party:20} {u.role:12} created {_when(u.created_at)}  {u.tokens} tokens")

    ctx.emit(rows, human)


@user.command("remove")
@click.argument("name")
@pass_ctx
def user_remove(ctx: CliContext, name: str) -> None:
    """Remove the web user NAME, revoking its API tokens and ending its sessions at once."""
    removed = remove_user(ctx.index(), name)
    ctx.emit({"user": removed.name, "tokens_revoked": removed.tokens, "sessions_ended": removed.sessions},
             lambda: click.echo(f"removed user {removed.name}: {removed.tokens} tokens revoked, "
                                f"{removed.sessions} sessions ended"))


@click.group()
def token() -> None:
    """API tokens for scanners and machine clients."""


@token.command("create")
@click.option("--user", "user_name", required=True, help="The web user the token acts as.")
@click.option("--label", default="", help="What the token is for (e.g. the scanner's name).")
@click.option("--days", type=click.IntRange(1, 3650), help="Expire after this many days (default: never).")
@pass_ctx
def token_create(ctx: CliContext, user_name: str, label: str, days: int | None) -> None:
    """Print a new bearer token for USER, once: only its hash is stored."""
    secret = create_token(ctx.index(), user_name, label, days)
    ctx.emit({"token": secret, "user": user_name}, lambda: click.echo(secret))


@token.command("list")
@click.option("--user", "user_name", help="Only this user's tokens.")
@pass_ctx
def token_list(ctx: CliContext, user_name: str | None) -> None:
    """List API tokens: id, user, label, created, expiry (the secrets are not stored, so never shown)."""
    tokens = list_tokens(ctx.index(), user_name)
    rows = [{"id": t.id, "user": t.user, "label": t.label, "created_at": t.created_at.isoformat(),
             "expires_at": t.expires_at.isoformat() if t.expires_at else None} for t in tokens]

    def human() -> None:
        for t in tokens:
            click.echo(f"{t.id}  {t.user:20} {t.label or '-':24} created {_when(t.created_at)}  "
                       f"expires {_when(t.expires_at)}")

    ctx.emit(rows, human)


@token.command("revoke")
@click.argument("token_id", metavar="[ID]", required=False)
@click.option("--label", help="Revoke the one token with this label instead of giving its ID.")
@click.option("--user", "user_name", help="Look only among this user's tokens.")
@pass_ctx
def token_revoke(ctx: CliContext, token_id: str | None, label: str | None, user_name: str | None) -> None:
    """Revoke one API token, by the ID `ledger token list` shows or by its label; it is refused from the next request."""
    if (token_id is None) == (label is None):
        raise click.UsageError("give a token ID or --label, not both")
    revoked = revoke_token(ctx.index(), token_id, label, user_name)
    ctx.emit({"id": revoked.id, "user": revoked.user, "label": revoked.label},
             lambda: click.echo(f"revoked token {revoked.id} of {revoked.user}" + (f" ({revoked.label})" if revoked.label else "")))
