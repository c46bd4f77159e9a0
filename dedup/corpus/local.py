"""``dedup scan``: the corpus scan in worker processes of this machine."""

from __future__ import annotations

import os
from collections.abc import Sequence

from dedup.candidates.signatures import Signed
from dedup.corpus.entries import BandEntries
from dedup.corpus.result import ScanResult
from dedup.corpus.stages import SIGN_CRASHES, finish, load_and_sign, sign_tasks
from dedup.corpus.texts import text_folder
from dedup.parallel import Progress, map_chunks
from dedup.settings import Settings
from dedup.sources import (
    Skipped,
    as_roots,
    discover_with_sources,
)

__all__ = ["scan", "read_and_sign"]


def scan(
    root: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    settings: Settings | None = None,
    jobs: int | None = None,
    max_bytes: int = 5 * 1024 * 1024,
    progress: Progress | None = None,
    known_sources: Sequence[str | os.PathLike] = (),
) -> ScanResult:
    """Scan ``root`` (a directory, a file, or several of them) for articles that share passages.

    ``known_sources``: folders or files of known sources (wire copy, press releases), scanned with ``root``;
    in a pair of a known source and another article, the other is read as derived from it. Texts are kept
    in a temporary folder (under ``TMPDIR``) while the scan runs and while its result's articles are
    referenced; this process holds ids, signatures and results."""
    settings = settings or Settings()
    jobs = jobs or os.cpu_count() or 1
    texts = text_folder()  # this process keeps ids and signatures; the texts wait on disk
    signed, skipped, entries = read_and_sign(
        root, settings, jobs, max_bytes, progress, texts.name, known_sources
    )
    found = entries.candidates(len(signed), settings, progress)
    return finish(signed, skipped, found, settings, jobs=jobs, progress=progress, texts=texts)


def read_and_sign(
    root: str | os.PathLike | Sequence[str | os.PathLike],
    settings: Settings,
    jobs: int,
    max_bytes: int,
    progress: Progress | None,
    folder: str,
    known_sources: Sequence[str | os.PathLike] = (),
) -> tuple[list[Signed], list[Skipped], BandEntries]:
    """The first stage of :func:`scan`: every article of ``root`` and ``known_sources`` signed in ``jobs``
    processes, its text and its band entries written to ``folder`` (the articles come back without either);
    the files and articles skipped, with their reasons."""
    files, skipped, sources = discover_with_sources(as_roots(root), max_bytes, as_roots(known_sources))
    tasks = sign_tasks(files, settings, max_bytes, jobs, folder, sources)
    signed: list[Signed] = []
    entries = BandEntries(folder)
    for chunk in map_chunks(
        load_and_sign, tasks, jobs, progress, "reading", [len(t[0]) for t in tasks], SIGN_CRASHES
    ):
        entries.add(chunk, len(signed))
        signed.extend(chunk.signed)
        skipped.extend(chunk.skipped)
    return signed, skipped, entries
