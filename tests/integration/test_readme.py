"""The README runs as written: every command of its ```sh blocks, in order, in one shell session.

The session starts in a fresh copy of the checkout (the tracked files, with the set-up's .venv linked in) with
a fresh $HOME, so `~/ledger-home` is new, and nothing of the environment's LEDGER_* settings. Between commands
the shell's exported variables are carried over (`source .venv/bin/activate`, `export LEDGER_HOME=…`).

What the test changes in a command, and why, is all in the tables below:
- PRINTED: values the README can only show by example (shipment and batch roots, a token, a signed link) are
  replaced by the ones the earlier command printed.
- MACHINE: the scale-out block runs against the test's Hardhat node and a fresh PostgreSQL database, and servers
  listen on a free port (something else on this machine may hold 8000).
- SKIPPED: commands that start what the fixtures provide, or run this test suite itself.
- SERVERS: commands that serve until stopped are started in the background and stopped once they answered; the
  commands after a "# from another terminal" comment in their block run while they serve.
- ANSWERS: what is typed at a prompt.
Every other command must exit 0.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path

import pytest

from tests._hardhat import ROOT

README = ROOT / "README.md"
WHILE_SERVING = "# from another terminal"


@dataclass(frozen=True)
class Printed:
    """A value the README shows by example: ``example`` is replaced by what ``printed_by`` printed (``pattern``'s group)."""

    example: str
    printed_by: str
    pattern: str


PRINTED = (
    Printed("0xd0904737ade156ec47d6d53e7dd8ec5592833c82a6f8b05ad12dff5086a41e8d",
            "ledger ship --as acme --to swiftfreight", r"shipment (0x[0-9a-f]{64})"),
    Printed("0xcff188c82a70cce57698eeefc14db9544fc947dcc1935579e00bcf063890610a",
            "ledger register --as acme --csv", r"batch (0x[0-9a-f]{64})"),
    Printed("0xef81395e05a574a9fadf9fa1b7995dd197fe69dbb56caeb0e30eb8ce362bf433",
            "ledger ship --as acme --to truck", r"shipment (0x[0-9a-f]{64})"),
    Printed("plt_NHu6EbJq7cCOoorVCiwZlhI-Mlffdwhpa7mrKfNFbg4", "ledger token create", r"^(plt_[A-Za-z0-9_-]+)$"),
    Printed("http://127.0.0.1:8000/01/09521234543213/21/3?sig=d8musfzvaQD7LcjlI0tk1VRE94ZKM4Lmu3xhrp2z4n8MkKet48d5q7vooO5gohIfGuJRWd882MTRU7ulmAxSEBs",
            "ledger labels --as acme --format uri", r"^(http\S+\?sig=\S+)$"),
)

# README value → what stands in for it (filled in by the test from its fixtures).
MACHINE_NODE, MACHINE_DATABASE, MACHINE_PORT = ("http://127.0.0.1:8545", "postgresql+psycopg://postgres@127.0.0.1:5432/ledger",
                                               "127.0.0.1:8000")

SKIPPED = {
    "./scripts/test.sh": "runs the whole test suite, this test included",
    "scripts/hardhat-node.sh 8545 &": "the test's Hardhat node stands in for it",
    "createdb -h 127.0.0.1 -U postgres ledger": "a fresh database from the fixtures stands in for it",
}
SERVERS = ("./scripts/serve-demo.sh", "ledger serve ")
ANSWERS = {"ledger user add olga --party customs": "olga's long password\nolga's long password\n"}  # typed twice: confirmed


@dataclass(frozen=True)
class Command:
    text: str
    block: int
    while_serving: bool = False  # after a WHILE_SERVING comment: runs while the block's server serves


def readme_commands(text: str) -> list[Command]:
    """The commands of the ```sh blocks, backslash continuations joined, comment lines dropped."""
    commands: list[Command] = []
    for number, block in enumerate(re.findall(r"^```sh\n(.*?)^```", text, re.M | re.S)):
        serving, pending = False, ""
        for line in block.splitlines():
            if not pending and (not line.strip() or line.lstrip().startswith("#")):
                serving = serving or line.strip().startswith(WHILE_SERVING)
                continue
            if line.endswith("\\"):
                pending += line[:-1]
                continue
            commands.append(Command((pending + line).strip(), number, serving))
            pending = ""
    return commands


def _words(command: Command) -> list[str]:
    return shlex.split(command.text, comments=True)


def test_tables_match_the_readme() -> None:
    """Fast checks that the README holds runnable text and the tables above still name what it holds."""
    text = README.read_text()
    commands = readme_commands(text)
    texts = [c.text for c in commands]
    for command in commands:
        words = _words(command)
        assert not any("…" in w or re.fullmatch(r"\[.*\]", w) or "<" in w for w in words), command.text
    for printed in PRINTED:
        users = [i for i, t in enumerate(texts) if printed.example in t]
        source = next(i for i, t in enumerate(texts) if t.startswith(printed.printed_by))
        assert users and source < users[0], printed
    for skipped in SKIPPED:
        assert any(t.startswith(skipped) for t in texts), skipped
    for answered in ANSWERS:
        assert any(t.startswith(answered) for t in texts), answered
    assert any(c.while_serving for c in commands)
    assert MACHINE_NODE in text and MACHINE_DATABASE in text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _checkout(into: Path) -> Path:
    """A copy of the checkout's files (tracked and new, not ignored) with the set-up's .venv linked in."""
    stamp = f".installed-{sha256((ROOT / 'pyproject.toml').read_bytes()).hexdigest()[:16]}"
    if not (ROOT / ".venv" / stamp).exists():
        # scripts/setup.sh in the copy would otherwise reinstall the package from the copy, into the shared .venv.
        pytest.fail("the .venv is not set up for this pyproject.toml: run scripts/setup.sh first")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)
    (into / ".venv").symlink_to(ROOT / ".venv")
    return into


class Session:
    """One shell session: each command runs in bash with the variables the earlier ones exported."""

    def __init__(self, checkout: Path, home: Path) -> None:
        self.checkout = checkout
        self.state = checkout.parent / "shell-state.sh"
        venv_bin = str(ROOT / ".venv" / "bin")
        env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_") and k not in ("VIRTUAL_ENV", "PORT")}
        env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
        env["HOME"] = str(home)
        self.env = env
        self.state.write_text("")
        self.log: list[str] = []

    def _script(self, command: str, background: bool = False) -> list[str]:
        if background:
            return ["bash", "-c", f"source {shlex.quote(str(self.state))}\nexec {command}"]
        state = shlex.quote(str(self.state))
        return ["bash", "-c", f"source {state}\n{command}\nstatus=$?\nexport -p > {state}\nexit $status"]

    def run(self, command: str, answers: str | None = None) -> str:
        # A new session has no terminal: prompts read their answers from stdin.
        done = subprocess.run(self._script(command), cwd=self.checkout, env=self.env, input=answers or "", text=True,
                              capture_output=True, start_new_session=True, timeout=1800)
        output = done.stdout + done.stderr
        self.log.append(f"$ {command}\n{output}")
        assert done.returncode == 0, "\n".join(self.log[-3:])
        return done.stdout

    def start(self, command: str, port: int, log: Path) -> subprocess.Popen[bytes]:
        with log.open("w") as out:
            return subprocess.Popen(self._script(command, background=True), cwd=self.checkout,
                                    env={**self.env, "PORT": str(port)}, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)


def _answering(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 1200  # the web demo builds its data first; a loaded machine is slow
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                assert response.status == 200
                return
        except (urllib.error.URLError, OSError):
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(1)


def _stop(proc: subprocess.Popen[bytes], log: Path) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError(f"the server did not stop on SIGTERM\n{log.read_text()}") from None


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    checkout = _checkout(tmp_path / "checkout")
    (tmp_path / "home").mkdir()
    shell = Session(checkout, tmp_path / "home")
    yield shell
    # The transcript, to read when a command fails (or to see what the README's commands print).
    (ROOT / "test-artifacts" / "readme-session.log").write_text("\n".join(shell.log))


def _substituted(command: Command, found: dict[str, str], machine: dict[str, str], port: int) -> str:
    text = command.text
    for printed in PRINTED:
        if printed.example in text:
            text = text.replace(printed.example, found[printed.example])
    for value, stand_in in machine.items():
        text = text.replace(value, stand_in)
    if command.while_serving or text.startswith(SERVERS):
        text = text.replace(MACHINE_PORT, f"127.0.0.1:{port}").replace("--port 8000", f"--port {port}")
    return text


def test_readme_runs_in_order(session: Session, hardhat_url: str, postgres_url: str, tmp_path: Path) -> None:
    commands = [c for c in readme_commands(README.read_text()) if not c.text.startswith(tuple(SKIPPED))]
    port = _free_port()
    machine = {MACHINE_NODE: hardhat_url, MACHINE_DATABASE: postgres_url}
    found: dict[str, str] = {}
    served: subprocess.Popen[bytes] | None = None
    log = tmp_path / "server.log"
    try:
        for index, command in enumerate(commands):
            text = _substituted(command, found, machine, port)
            if text.startswith(SERVERS):
                served = session.start(text, port, log)
                _answering(f"http://127.0.0.1:{port}/", served, log)
            else:
                answers = next((a for start, a in ANSWERS.items() if text.startswith(start)), None)
                output = session.run(text, answers)
                if command.while_serving and text.startswith("curl"):
                    assert json.loads(output)["verdict"] in ("genuine", "suspect", "counterfeit"), output
                for printed in PRINTED:
                    if text.startswith(printed.printed_by):
                        match = re.search(printed.pattern, output, re.M)
                        assert match, f"{printed.printed_by} printed no {printed.pattern}:\n{output}"
                        found[printed.example] = match.group(1)
            following = commands[index + 1] if index + 1 < len(commands) else None
            if served is not None and not (following and following.block == command.block and following.while_serving):
                _stop(served, log)
                served = None
    finally:
        if served is not None:
            os.killpg(served.pid, signal.SIGKILL)
    assert len(found) == len(PRINTED)
