"""What every benchmark script shares: the machine line, the chain and database set-ups, and
rewriting one script's own section of BENCHMARKS.md."""

from __future__ import annotations

import contextlib
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
_HEADER = "# Benchmarks\n\nMeasured numbers for the provenance ledger; each section is owned by the script that writes it.\n"


def machine() -> str:
    """Cores, CPU, memory, Python and OS of this machine, for the record."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
    os_name = platform.platform()
    with contextlib.suppress(OSError):
        pretty = re.search(r'PRETTY_NAME="([^"]+)"', Path("/etc/os-release").read_text())
        os_name = pretty.group(1) if pretty else os_name
    memory = f", {int(mem.group(1)) / 1024**2:.0f} GB RAM" if mem else ""
    return (f"{os.cpu_count()} cores (nproc), {cpu}{memory}, Python {platform.python_version()}, {os_name} "
            f"(kernel {platform.release()}); shared, noisy machine")


@contextlib.contextmanager
def chain(kind: str) -> Iterator[str]:
    """The LEDGER_CHAIN value for ``embedded``, or a fresh Hardhat node's URL for ``hardhat``."""
    if kind == "embedded":
        yield "embedded"
        return
    with _hardhat_node() as url:
        yield url


@contextlib.contextmanager
def _hardhat_node(timeout: float = 90.0) -> Iterator[str]:
    """A Hardhat node started the README's way (scripts/hardhat-node.sh) on a free loopback port."""
    from web3 import Web3

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    proc = subprocess.Popen([str(ROOT / "scripts" / "hardhat-node.sh"), str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)  # npx's child too is stopped below
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while not Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 2})).is_connected(show_traceback=False):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"no Hardhat node answered on {url}")
            time.sleep(0.3)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)


@contextlib.contextmanager
def database(kind: str, home: Path, prefix: str) -> Iterator[str]:
    """A SQLite file in ``home``, or a new PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{home / 'index.sqlite'}"
        return
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def replace_section(title: str, section: str, path: Path = ROOT / "BENCHMARKS.md") -> None:
    """Put ``section`` (starting with ``title``) in place of the old one; other sections stay.

    The file is re-read right before writing and replaced atomically, since several scripts
    write their own sections.
    """
    text = path.read_text() if path.exists() else _HEADER
    start = text.find(title + "\n")
    if start < 0:
        new = text.rstrip("\n") + "\n\n" + section
    else:
        following = text.find("\n## ", start + len(title))
        rest = text[following + 1:] if following >= 0 else ""
        new = text[:start] + section.rstrip("\n") + "\n" + ("\n" + rest if rest else "")
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(new)
    os.replace(tmp, path)
