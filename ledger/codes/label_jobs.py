"""Label runs: sign and render many labels, in worker processes when there is more than one core.

An ECDSA signature costs ~25 µs of libsecp256k1 whatever is done around it, so one core signs
at most ~35,000 labels a second; a ZPL label costs little more than its signature, so ZPL at
printing-line rates needs more cores. Work goes out in chunks (a few PDF pages, or a thousand
ZPL labels) to a pool, and comes back in order; at most two chunks per worker are in flight,
so memory stays bounded however large the run. With one job everything runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

from ..errors import InvalidInput
from ._pdf import deflate
from .identifiers import ItemKey
from .label_sheet import SheetLayout, pages_of, render_page
from .qr_label import Label
from .signature import CodeSigner, SignatureForm
from .zpl import ZplLayout, zpl_labels

__all__ = ["PDF_PAGES_PER_TASK", "ZPL_LABELS_PER_TASK", "LabelRun", "available_cores", "pdf_pages", "zpl_chunks"]

PDF_PAGES_PER_TASK = 4
ZPL_LABELS_PER_TASK = 1000
_Chunk = TypeVar("_Chunk")
_Result = TypeVar("_Result")


@dataclass(frozen=True)
class LabelRun:
    """What every label of a run shares: the brand's key, where the codes point, the names printed."""

    secret: bytes = field(repr=False)  # the brand's private key: never printed
    base_url: str
    form: SignatureForm = SignatureForm.DECIMAL
    brand: str | None = None
    products: tuple[tuple[str, str], ...] = ()  # (GTIN-14, product name) where the ledger knows one

    def labels(self, keys: Iterable[ItemKey]) -> Iterator[Label]:
        signer = CodeSigner(self.secret, self.form)
        names = dict(self.products)
        for key in keys:
            yield Label.signed(key, self.base_url, signer, self.brand, names.get(key.gtin))


def available_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# Each worker process keeps its run (and so its signer) from the pool's start.
_RUN: LabelRun | None = None


def _start(run: LabelRun) -> None:
    global _RUN
    _RUN = run


def _guarded(work: Callable[[LabelRun, _Chunk], _Result], chunk: _Chunk) -> _Result | tuple[str, tuple[object, ...]]:
    """Run ``work`` in a worker; an input error comes back as data (its constructor does not survive pickling)."""
    assert _RUN is not None
    try:
        return work(_RUN, chunk)
    except InvalidInput as exc:
        return "InvalidInput", (exc.field, exc.value, exc.problem, exc.expected)


def _in_order(work: Callable[[LabelRun, _Chunk], _Result], chunks: Iterable[_Chunk], run: LabelRun,
              jobs: int) -> Iterator[_Result]:
    if jobs <= 1:
        for chunk in chunks:
            yield work(run, chunk)
        return
    with multiprocessing.Pool(jobs, initializer=_start, initargs=(run,)) as pool:
        pending: deque[multiprocessing.pool.AsyncResult[_Result | tuple[str, tuple[object, ...]]]] = deque()
        task = partial(_guarded, work)
        for chunk in chunks:
            pending.append(pool.apply_async(task, (chunk,)))
            if len(pending) >= 2 * jobs:
                yield _unwrap(pending.popleft().get())
        while pending:
            yield _unwrap(pending.popleft().get())


def _unwrap(result: _Result | tuple[str, tuple[object, ...]]) -> _Result:
    if isinstance(result, tuple) and len(result) == 2 and result[0] == "InvalidInput":
        field_name, value, problem, expected = result[1]
        raise InvalidInput(str(field_name), value, str(problem), str(expected))
    return result  # type: ignore[return-value]  # the tuple case raised above


def _pdf_work(layout: SheetLayout, run: LabelRun, pages: Sequence[list[ItemKey]]) -> list[tuple[bytes, int]]:
    return [(deflate(render_page(run.labels(keys), layout)), len(keys)) for keys in pages]


def _zpl_work(layout: ZplLayout, run: LabelRun, keys: list[ItemKey]) -> tuple[str, int]:
    return zpl_labels(run.labels(keys), layout), len(keys)


def pdf_pages(keys: Iterable[ItemKey], run: LabelRun, layout: SheetLayout, jobs: int = 1) -> Iterator[tuple[bytes, int]]:
    """Deflated page contents with their label counts, in order, for ``write_pages``."""
    tasks = pages_of(pages_of(keys, layout.per_page), PDF_PAGES_PER_TASK)
    for pages in _in_order(partial(_pdf_work, layout), tasks, run, jobs):
        yield from pages


def zpl_chunks(keys: Iterable[ItemKey], run: LabelRun, layout: ZplLayout, jobs: int = 1) -> Iterator[tuple[str, int]]:
    """ZPL text of consecutive labels with their counts, in order."""
    yield from _in_order(partial(_zpl_work, layout), pages_of(keys, ZPL_LABELS_PER_TASK), run, jobs)
