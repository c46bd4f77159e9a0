"""Where articles come from and how they are read: files found under folders (each once, bad ones skipped
with a reason), .txt/.md, .html/.htm (the main text), .jsonl (one article per line).

Offsets everywhere in dedup point into ``Article.text``: the file decoded without newline translation (a UTF-8
byte-order mark is dropped), or for HTML the extracted main text, which ``dedup show`` prints."""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from dedup.errors import InputError, unexpected
from dedup.parallel import PROCESS_DIED, Crashes, Progress, chunks, map_chunks

__all__ = [
    "Article",
    "read_article",
    "iter_articles",
    "decode",
    "TEXT_SUFFIXES",
    "HTML_SUFFIXES",
    "ARTICLE_SUFFIXES",
    "DEFAULT_MAX_BYTES",
    "NOT_REGULAR",
    "article_kind",
    "PER_ARTICLE_LIMIT",
    "regular_size",
    "regular_stat",
    "path_label",
    "split_ref",
    "canonical_ref",
    "Skipped",
    "discover",
    "discover_with_sources",
    "as_roots",
    "canonical_roots",
]


# the one table of what dedup reads, by the end of a file's name
_KINDS = {
    ".txt": "text", ".md": "text", ".html": "html", ".htm": "html", ".jsonl": "jsonl", ".parquet": "parquet",
    ".warc": "warc", ".warc.gz": "warc",
}  # fmt: skip
ARTICLE_SUFFIXES = frozenset(_KINDS)
TEXT_SUFFIXES = frozenset(suffix for suffix, kind in _KINDS.items() if kind == "text")
HTML_SUFFIXES = frozenset(suffix for suffix, kind in _KINDS.items() if kind == "html")
# files of many articles: max_bytes is per article, and FILE#ID addresses one of them
PER_ARTICLE_LIMIT = frozenset({"jsonl", "warc", "parquet"})


def article_kind(path: Path) -> str | None:
    """How the file at ``path`` holds articles, by its name: ``text``, ``html``, ``jsonl``, ``warc``
    (``.warc``, ``.warc.gz``) or ``parquet``; ``None`` for any other file."""
    name = path.name.lower()
    return next((kind for suffix, kind in _KINDS.items() if name.endswith(suffix)), None)


DEFAULT_MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Article:
    """One news article. ``encoding`` is how the bytes were decoded (``utf-8`` unless detected otherwise).

    ``id`` is what a user passes to address it: the file's path as given, or ``FILE.jsonl#ID`` for a line
    of a JSON Lines file (``FILE.jsonl#ID (line N)`` when the file repeats the id: no article is lost).
    ``is_source``: the user named it a known source (wire copy, a press release: ``scan --known-sources``);
    paired with an article that is not one, the other is read as derived from it.
    """

    id: str
    path: str
    text: str
    title: str | None = None
    date: str | None = None
    source: str | None = None
    url: str | None = None
    encoding: str = "utf-8"
    is_source: bool = False


_NEAR_TIE = 0.1
_MAX_NUL_SHARE = 0.05
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode(data: bytes, path: str) -> tuple[str, str]:
    """Decode ``data`` as UTF-8, else by its byte-order mark, else with a detected encoding.

    Returns ``(text, encoding)``. Raises :class:`InputError` for binary data (NUL bytes above 5 % of the
    bytes, or any in text that is not UTF-8: real text files do carry stray NULs, which are kept
    so that offsets stay true) and for bytes no detector can read.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding), encoding.removesuffix("-sig")
    nuls = data.count(b"\x00")
    if nuls > len(data) * _MAX_NUL_SHARE:
        raise InputError(path, "binary file (contains NUL bytes), not an article")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        if nuls:
            raise InputError(path, "binary file (NUL bytes and not UTF-8), not an article") from None
    from charset_normalizer import from_bytes  # imported lazily: only undecodable files need it

    matches = list(from_bytes(data))
    if not matches:
        raise InputError(path, "not valid UTF-8 and no other text encoding fits")
    best = matches[0]
    # Short Western texts fit several code pages about equally well; cp1252 is by far the most common
    # legacy encoding of news text, so it wins near-ties (its curly quotes are what such files hold).
    for match in matches:
        if match.encoding == "cp1252" and match.chaos - best.chaos <= _NEAR_TIE:
            best = match
    return str(best), best.encoding


def path_label(path: str | os.PathLike) -> str:
    """How dedup names a file in every output (ids, JSON, SQLite, HTML): its path as given, with the bytes of
    a name that is not UTF-8 (which Python keeps as lone surrogates, and no UTF-8 writer takes) as ``\\xNN``.

    >>> path_label(os.fsdecode(b"caf\\xe9.txt"))
    'caf\\\\xe9.txt'
    """
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _open_error(label: str, error: OSError) -> InputError:
    if isinstance(error, FileNotFoundError):
        return InputError(label, "no such file (or a broken symbolic link)")
    if isinstance(error, IsADirectoryError):
        return InputError(label, "is a directory, not an article")
    if isinstance(error, PermissionError):
        return InputError(label, "permission denied")
    return InputError(label, f"cannot be read ({error.strerror or error})")


NOT_REGULAR = "not a regular file (a device, FIFO or socket), not read"


def regular_size(path: Path) -> int:
    """The size of the regular file at ``path`` (symbolic links followed); see :func:`regular_stat`."""
    return regular_stat(path).st_size


def regular_stat(path: Path) -> os.stat_result:
    """The status of the regular file at ``path`` (symbolic links followed).

    Raises :class:`InputError` for anything else: reading a device or a FIFO could never end (``/dev/zero``)
    or never start (a FIFO no one writes to), and their ``st_size`` of 0 says nothing of what they hold.
    """
    label = path_label(path)
    try:
        info = path.stat()
    except OSError as error:
        raise _open_error(label, error) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(label, "is a directory, not an article")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(label, NOT_REGULAR)
    return info


def _too_large(label: str, size: str, max_bytes: int) -> InputError:
    return InputError(label, f"file is {size} bytes, above the limit of {max_bytes:,} bytes")


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; never more than ``max_bytes + 1`` are read, even
    from a file that grows while it is read."""
    label = path_label(path)
    size = regular_size(path)
    if size > max_bytes:
        raise _too_large(label, f"{size:,}", max_bytes)
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as error:
        raise _open_error(label, error) from None
    if len(data) > max_bytes:
        raise _too_large(label, "more than", max_bytes)
    return data


_CHUNK = 1 << 20


def _lines(handle, limit: int) -> Iterator[tuple[int, bytes | None, int]]:
    """``(number, line, size)`` of a binary file, never holding more than ``limit`` bytes of one line:
    a longer line is skipped to its end and given as ``None``."""
    number = 0
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) <= limit or line.endswith(b"\n"):
            yield number, line, len(line)
            continue
        size = len(line)
        while line and not line.endswith(b"\n"):
            line = handle.readline(_CHUNK)
            size += len(line)
        yield number, None, size


def _jsonl_articles(path: Path, max_bytes: int) -> Iterator[Article | InputError]:
    """The articles of a JSON Lines file, read line by line: ``max_bytes`` limits each article, not the file.

    JSON Lines is UTF-8 by definition: a first line that is not (or holds NUL bytes) makes the whole file
    unreadable; a later one is a bad line.
    """
    label = path_label(path)
    regular_size(path)
    try:
        with open(path, "rb") as handle:
            yield from _parse_jsonl(handle, label, max_bytes)
    except OSError as error:
        raise _open_error(label, error) from None


def _parse_jsonl(handle, label: str, max_bytes: int) -> Iterator[Article | InputError]:
    found = False
    ids: set[str] = set()
    for number, raw, size in _lines(handle, max_bytes):
        where = f"{label} line {number}"
        if raw is None:
            yield InputError(where, f"{size:,} bytes, above the limit of {max_bytes:,} bytes per article")
            continue
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        if not raw.strip():
            continue
        try:
            if b"\x00" in raw:
                raise UnicodeDecodeError("utf-8", raw, 0, 1, "NUL byte")
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            if not found:
                raise InputError(label, "binary, or not UTF-8 (JSON Lines files must be UTF-8)") from None
            yield InputError(where, "not UTF-8 (JSON Lines files must be UTF-8)")
            continue
        try:
            article = _from_record(json.loads(line), label, where, "utf-8")
        except json.JSONDecodeError as error:
            yield InputError(where, f"invalid JSON ({error.msg})")
            continue
        except InputError as error:
            yield error
            continue
        found = True
        yield _unique(article, ids, f"line {number}")
    if not found:
        raise InputError(label, "no article in this JSONL file")


def _require_text(text: str, path: str) -> str:
    if not text.strip():
        raise InputError(path, "empty article (no text)")
    return text


def _html_text(html: str, path: str) -> str:
    import trafilatura  # imported lazily: slow to import, needed only for HTML

    options = {"include_comments": False, "include_tables": False, "favor_recall": True}
    text = trafilatura.extract(html, **options)
    if not text:
        # libxml2 stops at 255 nested elements by default, and the page then seems empty; its "huge" mode
        # reads deeper (only then: the first try is trafilatura's own parsing, which every other page gets)
        from lxml.etree import LxmlError
        from lxml.html import HTMLParser, fromstring

        deep = HTMLParser(
            collect_ids=False, encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True
        )
        try:
            text = trafilatura.extract(
                fromstring(html.encode("utf-8", "surrogatepass"), parser=deep), **options
            )
        except (LxmlError, ValueError):  # "Document is empty": nothing to parse
            text = None
    if not text:
        raise InputError(path, "no article text found in this HTML page")
    return text


def _unique(article: Article, ids: set[str], where: str) -> Article:
    """``article``, renamed ``FILE#ID (where)`` when its file already gave its id: no article is lost."""
    if article.id in ids:
        article = replace(article, id=f"{article.id} ({where})", path=f"{article.id} ({where})")
    ids.add(article.id)
    return article


def _from_record(record: object, path: str, where: str, encoding: str) -> Article:
    if not isinstance(record, dict) or record.get("id") is None or not isinstance(record.get("text"), str):
        raise InputError(where, 'each record must have an "id" and a "text" (a string)')
    optional = {
        key: _whole_characters(str(record[key]))
        for key in ("title", "date", "source", "url")
        if record.get(key)
    }
    # FILE#ID, as a user addresses it: shards from several sources may reuse the same ids
    article_id = f"{path}#{_whole_characters(str(record['id']))}"
    return Article(
        id=article_id, path=article_id, text=_require_text(_whole_characters(record["text"]), where),
        encoding=encoding, **optional,
    )  # fmt: skip


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _whole_characters(text: str) -> str:
    """``text`` with each lone surrogate (JSON may escape one, ``"\\udcff"``; no UTF-8 writer takes it) as
    U+FFFD: one character for one, so offsets stay true."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def _warc_articles(path: Path, max_bytes: int) -> Iterator[Article | InputError]:
    """The HTML responses of a WARC file (``.warc`` or ``.warc.gz``), each through the HTML extractor: id
    ``FILE#URI`` (the record's target URI), date from its ``WARC-Date``. Other records (requests, images,
    metadata) hold no article and are passed over; a response whose page holds no text is a bad record."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    label = path_label(path)
    regular_size(path)
    ids: set[str] = set()
    number = 0
    try:
        with open(path, "rb") as handle:
            for record in ArchiveIterator(handle):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                content_type = (record.http_headers.get_header("Content-Type") or "").lower()
                if "html" not in content_type:
                    continue
                number += 1
                uri = _whole_characters(
                    record.rec_headers.get_header("WARC-Target-URI") or f"record {number}"
                )
                where = f"{label}#{uri}"
                data = record.content_stream().read(max_bytes + 1)
                if len(data) > max_bytes:
                    yield InputError(where, f"page above the limit of {max_bytes:,} bytes per article")
                    continue
                try:
                    text = _html_text(_page_text(data, content_type, where), where)
                except InputError as error:
                    yield error
                    continue
                date = record.rec_headers.get_header("WARC-Date")
                article = Article(id=where, path=where, text=text, url=uri, date=date)
                yield _unique(article, ids, f"record {number}")
    except OSError as error:
        raise _open_error(label, error) from None
    except ArchiveLoadFailed as error:  # the articles read before stay read
        raise InputError(label, f"not a readable WARC file past its record {number} ({error})") from None


def _page_text(data: bytes, content_type: str, where: str) -> str:
    """A page's bytes decoded by the charset its response declares, else by :func:`decode`."""
    declared = re.search(r"charset=([\w-]+)", content_type)
    if declared:
        try:
            return data.decode(declared.group(1))
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(data, where)[0]


def _parquet_articles(path: Path, max_bytes: int) -> Iterator[Article | InputError]:
    """The rows of a Parquet shard with ``id`` and ``text`` columns (and optionally ``title``, ``date``,
    ``source``, ``url``), read a batch at a time; a row without text, or above ``max_bytes``, is a bad row."""
    label = path_label(path)
    regular_size(path)
    try:
        import pyarrow.parquet as parquet
        from pyarrow import ArrowException
    except ImportError:
        raise InputError(label, "reading Parquet needs pyarrow: pip install 'dedup[parquet]'") from None
    try:
        shard = parquet.ParquetFile(path)
        columns = [
            c for c in ("id", "text", "title", "date", "source", "url") if c in shard.schema_arrow.names
        ]
        if not {"id", "text"} <= set(columns):
            raise InputError(
                label,
                f"a Parquet shard needs id and text columns; it has {', '.join(shard.schema_arrow.names)}",
            )
        ids: set[str] = set()
        row = 0
        for batch in shard.iter_batches(columns=columns, batch_size=1000):
            for record in batch.to_pylist():
                row += 1
                where = f"{label} row {row}"
                if (
                    isinstance(record["text"], str)
                    and len(record["text"].encode("utf-8", "surrogatepass")) > max_bytes
                ):
                    yield InputError(where, f"text above the limit of {max_bytes:,} bytes per article")
                    continue
                try:
                    yield _unique(_from_record(record, label, where, "utf-8"), ids, f"row {row}")
                except InputError as error:
                    yield error
    except OSError as error:
        raise _open_error(label, error) from None
    except ArrowException as error:
        raise InputError(label, f"not a readable Parquet file ({error})") from None


def iter_articles(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Article | InputError]:
    """Every article in the file at ``path``; a bad JSONL line is yielded as an :class:`InputError`.

    A file that cannot be read at all raises :class:`InputError`.
    """
    path = Path(path)
    label = path_label(path)
    kind = article_kind(path)
    if kind is None:
        raise InputError(label, f"unsupported file type {path.suffix or '(none)'}; use {' '.join(_KINDS)}")
    if kind in PER_ARTICLE_LIMIT:
        yield from {"jsonl": _jsonl_articles, "warc": _warc_articles, "parquet": _parquet_articles}[kind](
            path, max_bytes
        )
        return
    text, encoding = decode(_read_bytes(path, max_bytes), label)
    if kind == "html":
        text = _html_text(text, label)
    yield Article(id=label, path=label, text=_require_text(text, label), encoding=encoding)


_SHARD_REF = re.compile(
    "(?:" + "|".join(re.escape(s) for s, kind in _KINDS.items() if kind in PER_ARTICLE_LIMIT) + ")#",
    re.IGNORECASE,
)


def split_ref(ref: str | Path) -> tuple[str, str]:
    """``(file, id)`` of an article reference: ``FILE.jsonl#ID`` (or ``.parquet``, ``.warc``, ``.warc.gz``,
    where the id may itself hold a ``#``, as a URI does), or a file path and ``""``."""
    ref = str(ref)
    shard = _SHARD_REF.search(ref)
    return (ref[: shard.end() - 1], ref[shard.end() :]) if shard else (ref, "")


def canonical_ref(ref: str | Path) -> str:
    """``ref`` with its file as an absolute path, symbolic links resolved: an index's ids are made so."""
    path, wanted = split_ref(ref)
    return str(Path(path).resolve()) + (f"#{wanted}" if wanted else "")


def read_article(ref: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Article:
    """Read one article: a file path, or ``FILE#ID`` for one article of a JSONL, Parquet or WARC file."""
    path, wanted = split_ref(ref)
    articles = iter_articles(path, max_bytes=max_bytes)
    if not wanted:
        first = next(articles)
        if isinstance(first, InputError):
            raise first
        if article_kind(Path(path)) in PER_ARTICLE_LIMIT and next(articles, None) is not None:
            raise InputError(path, f"holds several articles; address one as {path}#ID")
        return first
    for article in articles:
        if isinstance(article, Article) and article.id == f"{path_label(path)}#{wanted}":
            return article
    raise InputError(ref, f"no article with id {wanted!r} in {path}")


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


Identity = tuple[int, int]  # a file's (device, inode): one file under two paths has one identity


def discover(root: Path, max_bytes: int) -> tuple[list[tuple[Path, Identity]], list[Skipped]]:
    """Article files under ``root`` (recursive, symlinks followed once) with their identity on disk, and what
    was skipped and why."""
    files: list[tuple[Path, Identity]] = []
    skipped: list[Skipped] = []
    seen_dirs: set[tuple[int, int]] = set()

    def visit(directory: Path) -> None:
        try:
            info = directory.stat()
        except OSError as error:
            skipped.append(Skipped(path_label(directory), f"cannot be read ({error.strerror or error})"))
            return
        if (info.st_dev, info.st_ino) in seen_dirs:
            skipped.append(Skipped(path_label(directory), "symbolic link loop (directory already scanned)"))
            return
        seen_dirs.add((info.st_dev, info.st_ino))
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as error:
            skipped.append(Skipped(path_label(directory), f"cannot be listed ({error.strerror or error})"))
            return
        for entry in entries:
            path = Path(entry.path)
            try:
                if entry.is_dir():
                    visit(path)
                    continue
                if article_kind(path) is None:
                    continue
                if path.stem.upper() == "README":
                    skipped.append(
                        Skipped(path_label(path), "a README describes the corpus; it is not an article")
                    )
                    continue
                info = regular_stat(path)
            except InputError as error:
                skipped.append(Skipped(error.path, error.reason))
                continue
            except OSError as error:
                skipped.append(Skipped(path_label(path), error.strerror or str(error)))
                continue
            if info.st_size > max_bytes and article_kind(path) not in PER_ARTICLE_LIMIT:
                skipped.append(
                    Skipped(
                        path_label(path), f"{info.st_size:,} bytes, above the limit of {max_bytes:,} bytes"
                    )
                )
            else:
                files.append((path, (info.st_dev, info.st_ino)))

    if root.is_file():
        try:
            info = regular_stat(root)
        except InputError as error:  # gone since: said as for any file
            return [], [Skipped(error.path, error.reason)]
        return [(root, (info.st_dev, info.st_ino))], []
    if not root.is_dir():
        return [], [Skipped(path_label(root), "no such file or directory")]
    visit(root)
    return files, skipped


def read_file(path: Path, max_bytes: int, *, is_source: bool = False) -> tuple[list[Article], list[Skipped]]:
    """The articles of one file (known sources when ``is_source``), and its bad lines or the file itself as
    skipped, with reasons.

    An unexpected exception (a parser or an extractor failing on this file) skips the rest of the file with
    its message; the articles read before it are kept."""
    articles, skipped = [], []
    try:
        for item in iter_articles(path, max_bytes=max_bytes):
            if isinstance(item, InputError):
                skipped.append(Skipped(item.path, item.reason))
            else:
                articles.append(replace(item, is_source=True) if is_source else item)
    except InputError as error:
        skipped.append(Skipped(error.path, error.reason))
    except Exception as error:  # one file's failure is that file's, never the whole scan's
        skipped.append(Skipped(path_label(path), unexpected(error)))
    return articles, skipped


def _read_files(task: tuple[Sequence[Path], int, frozenset[Path]]) -> tuple[list[Article], list[Skipped]]:
    paths, max_bytes, sources = task
    articles: list[Article] = []
    skipped: list[Skipped] = []
    for path in paths:
        found, bad = read_file(path, max_bytes, is_source=path in sources)
        articles += found
        skipped += bad
    return articles, skipped


def one_file_each(task: tuple) -> list[tuple]:
    return [((path,), *task[1:]) for path in task[0]]


def _merged(results: list[tuple[list, list]]) -> tuple[list, list]:
    return [x for found, _ in results for x in found], [x for _, bad in results for x in bad]


def died_reading(task: tuple) -> tuple[list, list[Skipped]]:
    return [], [Skipped(path_label(path), PROCESS_DIED) for path in task[0]]


# tasks of files, ``(paths, ...)`` giving ``(found, skipped)``: a file whose worker process dies is skipped
FILE_CRASHES = Crashes(split=one_file_each, merge=_merged, failed=died_reading)


def read_all(
    paths: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    max_bytes: int,
    jobs: int | None = None,
    progress: Progress | None = None,
    canonical: bool = False,
    known_sources: Sequence[str | os.PathLike] = (),
) -> tuple[list[Article], list[Skipped]]:
    """Every article in ``paths`` (files or folders, recursive), read in ``jobs`` processes (default: all
    cores), in the order of the files; and what was skipped and why. ``canonical``: ids from
    :func:`canonical_roots`. The articles of ``known_sources`` (folders or files, read first) are marked
    :attr:`Article.is_source`, as :func:`discover_with_sources` tells."""
    jobs = jobs or os.cpu_count() or 1
    roots, source_roots = as_roots(paths), as_roots(known_sources)
    if canonical:
        roots, source_roots = canonical_roots(roots), canonical_roots(source_roots)
    files, skipped, sources = discover_with_sources(roots, max_bytes, source_roots)
    tasks = [
        (chunk, max_bytes, sources.intersection(chunk))
        for chunk in chunks(files, files_per_task(len(files), jobs))
    ]
    articles: list[Article] = []
    for found, bad in map_chunks(
        _read_files, tasks, jobs, progress, "reading", [len(t[0]) for t in tasks], FILE_CRASHES
    ):
        articles += found
        skipped += bad
    return articles, skipped


def as_roots(root: str | os.PathLike | Sequence[str | os.PathLike]) -> list[Path]:
    """One path (a ``str`` too) or several, as a list of paths."""
    return [Path(root)] if isinstance(root, str | os.PathLike) else [Path(r) for r in root]


def discover_with_sources(
    roots: Sequence[Path], max_bytes: int, known_sources: Sequence[Path] = ()
) -> tuple[list[Path], list[Skipped], frozenset[Path]]:
    """:func:`discover` over ``known_sources`` and ``roots`` (folders, files, JSONL shards), each file once,
    and which files are known sources (``--known-sources``). A file reached again under another spelling
    (``corpora/``, ``./corpora``, an absolute path, a symbolic link) is skipped, saying which path was read,
    so that no article is paired with itself; a known source's file reached again under ``roots`` (its
    folder inside a scanned one) is read once, as a known source, without a note."""
    first_path: dict[tuple[int, int], Path] = {}  # the file's identity on disk -> the path it is read by
    files: list[Path] = []
    skipped: list[Skipped] = []
    sources: set[Path] = set()
    for root, is_source in [*((r, True) for r in known_sources), *((r, False) for r in roots)]:
        found, bad = discover(Path(root), max_bytes)
        skipped += bad
        for path, identity in found:
            first = first_path.setdefault(identity, path)
            if first is path:
                files.append(path)
                if is_source:
                    sources.add(path)
            elif first != path and (is_source or first not in sources):
                skipped.append(Skipped(path_label(path), f"the same file as {path_label(first)}, read once"))
    return files, skipped, frozenset(sources)


def canonical_roots(roots: Sequence[str | os.PathLike]) -> list[Path]:
    """``roots`` as absolute paths with symbolic links resolved: ids made from them are the same whatever the
    working directory or the spelling (an index's ids)."""
    return [Path(root).resolve() for root in roots]


def files_per_task(files: int, workers: int) -> int:
    """Files read in one task: a few tasks per worker, at most 64 files each."""
    return max(1, min(64, files // (workers * 4)))
