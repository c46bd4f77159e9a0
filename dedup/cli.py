"""The ``dedup`` command line: thin wrappers over the library.

Exit codes: 0 success, 1 an unexpected failure, 2 bad input or usage (a file that cannot be read), 130
stopped by Ctrl-C.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from dedup.errors import DedupError, InputError
from dedup.output import check_file, check_folder, open_for_writing, write_text
from dedup.settings import Settings, load_settings
from dedup.sources import DEFAULT_MAX_BYTES, Article, canonical_ref, read_article

if TYPE_CHECKING:
    from dedup.index.base import ArticleIndex

app = typer.Typer(
    help="Find derivative news: shared passages between articles, with offsets into the original text.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines instead of a table.")]
MaxBytesOption = Annotated[
    int, typer.Option("--max-bytes", help="Refuse files (in JSONL: articles) larger than this.", min=1)
]


def _fail(error: DedupError) -> NoReturn:
    # the message is text, not markup: "[settings]" or a file name in brackets stays as it is
    Console(stderr=True).print(f"[bold red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _load(ref: str, max_bytes: int) -> Article:
    """Read one article for a command, warning on stderr when it was not UTF-8."""
    try:
        article = read_article(ref, max_bytes=max_bytes)
    except InputError as error:
        _fail(error)
    if article.encoding not in ("utf-8", "ascii"):
        Console(stderr=True).print(
            f"[yellow]warning:[/] {article.path} is not UTF-8; decoded as {article.encoding}", highlight=False
        )
    return article


def _progress(disabled: bool = False) -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=Console(stderr=True), transient=True, disable=disabled,
    )  # fmt: skip


def _by_stage(progress: Progress) -> Callable[[str, int, int], None]:
    """A library progress callback ``(stage, done, total)`` drawing one bar per stage."""
    tasks: dict[str, TaskID] = {}

    def report(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(stage, total=total)
        progress.update(tasks[stage], completed=done, total=total)

    return report


def _check_outputs(
    files: list[tuple[str, Path | None]] = (), folders: list[tuple[str, Path | None]] = ()
) -> None:
    """Fail before any work when an output given on the command line cannot be written."""
    try:
        for what, path in files:
            if path is not None:
                check_file(path, what)
        for what, path in folders:
            if path is not None:
                check_folder(path, what)
    except DedupError as error:
        _fail(error)


def _check_exist(paths: list[Path]) -> None:
    """Fail before any work when a path given on the command line does not exist."""
    missing = [path for path in paths if not path.exists()]
    if missing:
        _fail(InputError(str(missing[0]), "no such file or directory"))


ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="Settings file (default: ./dedup.toml when there is one).")
]
KnownSourcesOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--known-sources",
        help="Folder or file of known sources (wire copy, press releases), read too; an article paired with "
        "one is read as derived from it. Repeatable.",
    ),
]


def _settings(config: Path | None, **overrides: object) -> Settings:
    """Settings from the config file (or defaults) with command-line overrides; says on stderr which."""
    try:
        settings, source = load_settings(config)
        settings = settings.replace(**{k: v for k, v in overrides.items() if v is not None})
    except DedupError as error:
        _fail(error)
    changed = ", ".join(f"{k}={v}" for k, v in settings.changed().items()) or "all defaults"
    Console(stderr=True).print(f"[dim]settings ({source}): {changed}[/]", highlight=False)
    return settings


class KnownSource(StrEnum):
    a = "a"
    b = "b"


@app.command()
def compare(
    a: Annotated[str, typer.Argument(help="First article: a file, or FILE.jsonl#ID.")],
    b: Annotated[str, typer.Argument(help="Second article: a file, or FILE.jsonl#ID.")],
    as_json: JsonOption = False,
    source: Annotated[
        KnownSource | None,
        typer.Option(
            help="The article known to be the other's source: the other may then be read as a summary of "
            "it without the checks for copies (by default, the later by date, else either, checked)."
        ),
    ] = None,
    rewrite_threshold: Annotated[
        float | None,
        typer.Option(help="Rewrite-model probability a matched sentence pair must reach to be a rewrite."),
    ] = None,
    min_verbatim_tokens: Annotated[
        int | None, typer.Option(help="Minimum length of a verbatim passage, in words.")
    ] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write a side-by-side HTML report here.")
    ] = None,
    config: ConfigOption = None,
    max_bytes: MaxBytesOption = DEFAULT_MAX_BYTES,
) -> None:
    """Show the passages two articles share, how each was shared, and how much of each is derived.

    Example: dedup compare corpora/000_81ea75a533acccf5.txt corpora/002_c4bf7bb208899a3e.txt --json

    Example (a plagiarism pair, B known to be A's source): dedup compare SUSPICIOUS.txt SOURCE.txt --source b
    """
    from dedup.comparison import compare as compare_articles

    _check_outputs(files=[("report", html)])
    settings = _settings(config, rewrite_threshold=rewrite_threshold, min_verbatim_tokens=min_verbatim_tokens)
    article_a, article_b = _load(a, max_bytes), _load(b, max_bytes)
    known = None if source is None else source.value
    comparison = compare_articles(article_a, article_b, settings=settings, known_source=known)
    if html is not None:
        from dedup.report.html import comparison_page

        try:
            write_text(html, comparison_page(comparison, article_a, article_b))
        except DedupError as error:
            _fail(error)
    if as_json:
        typer.echo(json.dumps({**comparison.to_dict(), "settings": settings.as_dict()}, ensure_ascii=False))
        return
    from dedup.report.terminal import render_comparison

    render_comparison(comparison, article_a, article_b, Console())


@app.command()
def show(
    article: Annotated[str, typer.Argument(help="A file, or FILE.jsonl#ID.")],
    max_bytes: MaxBytesOption = DEFAULT_MAX_BYTES,
) -> None:
    """Print an article's text exactly as dedup reads it (the text every offset points into).

    For HTML this is the extracted main text. Example: dedup show page.html
    """
    sys.stdout.write(_load(article, max_bytes).text)


class GroupBy(StrEnum):
    source = "source"


class Engine(StrEnum):
    local = "local"
    dask = "dask"


@app.command()
def scan(
    sources: Annotated[
        list[Path],
        typer.Argument(
            help="Folders of articles (.txt .md .html .htm .jsonl, recursive) or files, e.g. JSONL shards."
        ),
    ],
    jsonl: Annotated[
        Path | None, typer.Option("--jsonl", help="Write one line per derived pair here.")
    ] = None,
    as_json: JsonOption = False,
    jobs: Annotated[int | None, typer.Option(help="Worker processes (default: all cores).", min=1)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Write index.html and a page per pair here.")
    ] = None,
    engine: Annotated[
        Engine, typer.Option(help="local: processes on this machine; dask: tasks on a Dask cluster.")
    ] = Engine.local,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Dask scheduler address (tcp://host:8786); default: a LocalCluster of --jobs workers."
        ),
    ] = None,
    config: ConfigOption = None,
    max_bytes: MaxBytesOption = DEFAULT_MAX_BYTES,
    by: Annotated[
        GroupBy | None,
        typer.Option(
            "--by",
            help="source: a table per outlet (source, URL host or folder): derived share by wire or outlet.",
        ),
    ] = None,
    known_sources: KnownSourcesOption = None,
) -> None:
    """Find every pair of articles that share passages, with clusters and boilerplate.

    Bad files are skipped and listed with their reason; the scan exits 0 when it completed.
    Example: dedup scan corpora/ --jsonl pairs.jsonl
    """
    known_sources = known_sources or []
    _check_exist([*sources, *known_sources])
    if scheduler and engine is not Engine.dask:
        _fail(DedupError("--scheduler needs --engine dask"))
    _check_outputs(files=[("pairs file", jsonl)], folders=[("report", html)])
    settings = _settings(config)
    with _progress(disabled=quiet) as progress:
        report = _by_stage(progress)
        try:
            if engine is Engine.dask:
                from dedup.corpus.dask_engine import scan as scan_corpus

                result = scan_corpus(
                    sources, settings=settings, scheduler=scheduler, workers=jobs or os.cpu_count() or 1,
                    max_bytes=max_bytes, progress=report, known_sources=known_sources,
                )  # fmt: skip
            else:
                from dedup.corpus.local import scan as scan_corpus

                result = scan_corpus(
                    sources, settings=settings, jobs=jobs, max_bytes=max_bytes, progress=report,
                    known_sources=known_sources,
                )  # fmt: skip
        except DedupError as error:
            _fail(error)
    outlets = None
    if by is GroupBy.source:
        from dedup.outlets import outlet_table

        outlets = outlet_table(result)
    try:
        if jsonl is not None:
            with open_for_writing(jsonl) as handle:
                handle.writelines(result.pair_lines())
        if html is not None:
            from dedup.report.html import scan_pages

            scan_pages(
                result.pairs, result.articles_by_id(), result.clusters, html, outlets, _outlet_png(outlets)
            )
    except DedupError as error:
        _fail(error)
    if as_json:
        summary = result.summary() | ({"outlets": outlets} if outlets is not None else {})
        typer.echo(json.dumps(summary, ensure_ascii=False))
        return
    from dedup.report.terminal import render_outlets, render_scan

    render_scan(result, Console())
    if outlets is not None:
        render_outlets(outlets, Console())


def _outlet_png(outlets: list[dict] | None) -> bytes | None:
    """The outlets' chart for the HTML report, or ``None`` (no table, or matplotlib missing: said once)."""
    if not outlets:
        return None
    from dedup.report.plots import outlet_chart

    try:
        return outlet_chart(outlets)
    except DedupError as error:
        Console(stderr=True).print(
            f"[yellow]warning:[/] no outlet chart: {escape(str(error))}", highlight=False
        )
        return None


index_app = typer.Typer(help="A persistent index of articles (one SQLite file).", no_args_is_help=True)
app.add_typer(index_app, name="index")

DEFAULT_INDEX = "dedup-index.sqlite"
IndexOption = Annotated[
    str,
    typer.Option("--index", help="The index: a SQLite file, or redis://HOST:PORT/DB (shared by clients)."),
]


@contextmanager
def _bars_when_reported(disabled: bool = False) -> Iterator[Callable[[str, int, int], None]]:
    """A library progress callback whose bars appear with its first report (most calls report nothing, and
    an idle bar display still writes to the terminal)."""
    bars: Progress | None = None
    by_stage: Callable[[str, int, int], None] | None = None

    def report(stage: str, done: int, total: int) -> None:
        nonlocal bars, by_stage
        if by_stage is None:
            bars = _progress(disabled)
            bars.start()
            by_stage = _by_stage(bars)
        by_stage(stage, done, total)

    try:
        yield report
    finally:
        if bars is not None:
            bars.stop()


@contextmanager
def _opened_index(
    location: str,
    *,
    create: bool = False,
    settings: Settings | None = None,
    quiet: bool = False,
    check: bool = False,
) -> Iterator[ArticleIndex]:
    """The index at ``location``, checked for damage first when ``check`` (commands that write or report on
    it); any :class:`DedupError` while it is used (a damaged page found by a query) ends the command with
    exit code 2."""
    from dedup.index import open_index

    try:
        with _bars_when_reported(disabled=quiet) as report:  # an older index is converted when opened
            store = open_index(location, settings, create=create, progress=report)
        with store:
            if check:
                store.check()
            yield store
    except DedupError as error:
        _fail(error)


@index_app.command("add")
def index_add(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Article files or folders (recursive).", show_default=False)
    ] = None,
    index: IndexOption = DEFAULT_INDEX,
    jobs: Annotated[
        int | None, typer.Option(help="Worker processes for reading (default: all cores).", min=1)
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    max_bytes: MaxBytesOption = DEFAULT_MAX_BYTES,
    config: ConfigOption = None,
    as_json: JsonOption = False,
    known_sources: KnownSourcesOption = None,
) -> None:
    """Add articles to the index; adding the same content again changes nothing. A known source stays one
    until removed; a query's match with one is read as derived from it.

    Example: dedup index add corpora/ --known-sources wires/ --index news.sqlite
    """
    from dedup.sources import read_all

    paths, known_sources = paths or [], known_sources or []
    if not paths and not known_sources:
        _fail(DedupError("nothing to add: name article files or folders, or --known-sources"))
    _check_exist([*paths, *known_sources])
    settings = _settings(config)
    try:
        with (
            _opened_index(index, create=True, settings=settings, quiet=quiet, check=True) as store,
            _progress(disabled=quiet) as progress,
        ):
            articles, skipped = read_all(
                paths, max_bytes=max_bytes, jobs=jobs, progress=_by_stage(progress), canonical=True,
                known_sources=known_sources,
            )  # fmt: skip
            task = progress.add_task("indexing", total=len(articles))
            result = store.add(progress.track(articles, task_id=task))
            stats = store.stats()
    except KeyboardInterrupt:
        Console(stderr=True).print(
            f"interrupted (Ctrl-C): every batch committed before the stop is in {index}; the same add "
            "finishes the work (nothing is added twice)",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None
    skipped += result.failed
    summary = {
        "added": result.added, "unchanged": result.unchanged, "replaced": result.replaced,
        "articles": stats.articles, "skipped": [{"path": s.path, "reason": s.reason} for s in skipped],
    }  # fmt: skip
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
        return
    console = Console()
    console.print(
        f"added {result.added:,}, unchanged {result.unchanged:,}, replaced {result.replaced:,}; "
        f"{stats.articles:,} articles in {index}"
    )
    for item in skipped:
        console.print(f"[yellow]skipped[/] {escape(item.path)}: {escape(item.reason)}", highlight=False)


@index_app.command("stats")
def index_stats(index: IndexOption = DEFAULT_INDEX, as_json: JsonOption = False) -> None:
    """How many articles and windows the index holds, and the parameters it was built with; checks the file
    for damage first.

    Example: dedup index stats --index news.sqlite
    """
    with _opened_index(index, check=True) as store:
        stats = store.stats()
    if as_json:
        typer.echo(json.dumps(stats.to_dict(), ensure_ascii=False))
        return
    Console().print(f"{stats.articles:,} articles, {stats.windows:,} window buckets")
    for key, value in sorted(stats.meta.items()):
        Console().print(f"  {key}: {value}", highlight=False, markup=False)


@index_app.command("remove")
def index_remove(
    article_id: Annotated[
        str, typer.Argument(help="The id of an indexed article, or the path of the file it was read from.")
    ],
    index: IndexOption = DEFAULT_INDEX,
) -> None:
    """Remove one article from the index (exit code 2 if it is not there).

    Example: dedup index remove corpora/000_81ea75a533acccf5.txt --index news.sqlite
    """
    with _opened_index(index, check=True) as store:
        # ids of files are their absolute paths: a path as typed is tried that way too
        removed = next((i for i in (article_id, canonical_ref(article_id)) if store.remove(i)), None)
    if removed is None:
        _fail(
            DedupError(
                f"no article with id {article_id!r} in {index}; ids are as index add and query print them"
            )
        )
    Console().print(f"removed {removed}", highlight=False)


@app.command()
def query(
    article: Annotated[str, typer.Argument(help="The new article: a file, or FILE.jsonl#ID.")],
    index: IndexOption = DEFAULT_INDEX,
    top: Annotated[int, typer.Option(help="At most this many matches.", min=1)] = 10,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    max_bytes: MaxBytesOption = DEFAULT_MAX_BYTES,
) -> None:
    """The indexed articles that share passages with a new article, with the passages.

    Example: dedup query new-story.txt --index news.sqlite --top 5 --json
    """
    from dedup.report.terminal import render_comparison

    settings = _settings(config)
    new = _load(canonical_ref(article), max_bytes)  # as indexed: an indexed file is never its own match
    with _opened_index(index, settings=settings) as store:
        matches = store.query(new, top=top)
        if as_json:
            found = {
                "query": new.id,
                "matches": [m.to_dict() for m in matches],
                "settings": settings.as_dict(),
            }
            typer.echo(json.dumps(found, ensure_ascii=False))
            return
        console = Console()
        if not matches:
            console.print("no indexed article shares a passage with it")
        for match in matches:
            render_comparison(match, new, store.get(match.b.id or ""), console)


@app.command()
def serve(
    index: IndexOption = DEFAULT_INDEX,
    host: Annotated[
        str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    max_request_bytes: Annotated[
        int, typer.Option("--max-request-bytes", help="Refuse request bodies larger than this.", min=1)
    ] = DEFAULT_MAX_BYTES,
    config: ConfigOption = None,
    workers: Annotated[
        int, typer.Option(help="Server processes: queries are CPU-bound, one process uses one core.", min=1)
    ] = 1,
) -> None:
    """Serve the index over HTTP: POST /query, /compare, /articles; DELETE /articles/ID; GET /stats; a page at /.

    Example: dedup serve --index news.sqlite --port 8000 --workers 2   (then open http://127.0.0.1:8000/)
    """
    settings = _settings(config)
    try:
        import uvicorn

        from dedup.service import FACTORY, create_app, service_environment
    except ImportError:
        _fail(DedupError("dedup serve needs FastAPI and uvicorn: pip install 'dedup[serve]'"))
    try:
        service = create_app(index, settings, max_request_bytes=max_request_bytes)  # checked here, once
    except DedupError as error:
        _fail(error)
    if workers == 1:
        uvicorn.run(service, host=host, port=port, log_level="warning")
        return
    # each worker process builds its own app from the environment (an app object cannot cross processes)
    os.environ.update(service_environment(index, settings, max_request_bytes))
    uvicorn.run(FACTORY, factory=True, host=host, port=port, workers=workers, log_level="warning")


bench_app = typer.Typer(help="Measure accuracy on labelled data.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


@bench_app.command("pan")
def bench_pan(
    corpus: Annotated[
        Path, typer.Argument(help="A PAN 2013 corpus folder (susp/, src/, one folder per type).")
    ],
    subset: Annotated[
        list[str] | None, typer.Option("--subset", help="Only this obfuscation type (repeatable).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write one PAN detection XML per pair here.")] = None,
    jobs: Annotated[int | None, typer.Option(help="Worker processes (default: all cores).", min=1)] = None,
    unordered: Annotated[
        bool,
        typer.Option(
            help="Score what compare prints without --source (by default, as told that the source document "
            "is the suspicious one's source: compare SUSPICIOUS SOURCE --source b)."
        ),
    ] = False,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Align every pair of a PAN 2013 corpus with the library and score it with the PAN measures.

    Example: dedup bench pan ../shared/data/pan13/train --subset 05-summary-obfuscation --out runs/05
    """
    from dedup.bench.pan import run

    settings = _settings(config)
    with _progress() as progress:
        task = progress.add_task("aligning pairs", total=None)
        try:
            report = run(
                corpus, subsets=subset, out=out, jobs=jobs, settings=settings,
                on_progress=lambda done, total: progress.update(task, completed=done, total=total),
                ordered=not unordered,
            )  # fmt: skip
        except DedupError as error:
            _fail(error)
    if as_json:
        typer.echo(json.dumps(report.to_dict()))
        return
    from dedup.report.terminal import render_pan

    render_pan(report, Console())


@bench_app.command("msrp")
def bench_msrp(
    folder: Annotated[Path, typer.Argument(help="The MSRP folder (msr_paraphrase_train.txt and _test.txt).")],
    as_json: JsonOption = False,
) -> None:
    """Accuracy and F1 of the aligner's sentence-rewrite decision on MSRP train and test.

    Example: dedup bench msrp ../shared/data/msrp --json
    """
    from dedup.bench.paraphrase import run

    try:
        report = run(folder)
    except DedupError as error:
        _fail(error)
    if as_json:
        typer.echo(json.dumps(report.to_dict()))
        return
    from dedup.report.terminal import render_msrp

    render_msrp(report, Console())


def _grid(text: str) -> tuple[str, list[float]]:
    name, _, values = text.partition("=")
    try:
        return name.strip(), [float(v) for v in values.split(",") if v.strip()]
    except ValueError:
        raise typer.BadParameter(f"expected NAME=V1,V2,... with numbers, got {text!r}") from None


@bench_app.command("sweep")
def bench_sweep(
    data: Annotated[
        Path,
        typer.Argument(
            help="Labelled data: a PAN corpus (or the folder of its train/ and test/), the Clough & "
            "Stevenson folder, the MSRP folder, or a .csv/.jsonl of a,b,label pairs."
        ),
    ],
    param: Annotated[
        list[str] | None,
        typer.Option("--param", help="Parameter to sweep (repeatable; default: all but min_region_chars)."),
    ] = None,
    grid: Annotated[
        list[str] | None,
        typer.Option("--grid", help="Values for one parameter: NAME=V1,V2,... (repeatable)."),
    ] = None,
    min_precision: Annotated[
        float | None,
        typer.Option(
            help="Choose the best recall at this precision or above (default: best F1).", min=0, max=1
        ),
    ] = None,
    plots: Annotated[Path | None, typer.Option(help="Write one PNG per parameter into this folder.")] = None,
    write_config: Annotated[
        Path | None, typer.Option("--write-config", help="Write the chosen values into this dedup.toml.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the tune/report split when the data has none.")] = 0,
    test_fraction: Annotated[
        float,
        typer.Option(help="Share held out for reporting when the data has no split.", min=0.05, max=0.95),
    ] = 0.5,
    jobs: Annotated[int | None, typer.Option(help="Worker processes (default: all cores).", min=1)] = None,
    config: ConfigOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Sweep matching thresholds on labelled pairs: tune on one part, report on the other, recommend values.

    Example: dedup bench sweep ../shared/data/clough_stevenson_2011 --plots docs/ --write-config dedup.toml
    """
    from dedup.bench.labelled import load
    from dedup.bench.sweep import run

    _check_outputs(files=[("settings file", write_config)], folders=[("plots", plots)])
    settings = _settings(config)
    grids = dict(_grid(text) for text in grid or [])
    try:
        labelled = load(data)
        with _progress(disabled=quiet) as progress:
            report = run(
                labelled, param, settings=settings, grids=grids, min_precision=min_precision, seed=seed,
                test_fraction=test_fraction, jobs=jobs, progress=_by_stage(progress),
            )  # fmt: skip
        if plots is not None:
            from dedup.report.plots import plot_sweeps

            written = plot_sweeps(report, plots)
            Console(stderr=True).print(f"plots: {', '.join(map(str, written))}", highlight=False)
        if write_config is not None:
            write_text(write_config, report.recommended().to_toml())
            Console(stderr=True).print(f"chosen values written to {write_config}", highlight=False)
    except DedupError as error:
        _fail(error)
    if as_json:
        typer.echo(json.dumps(report.to_dict()))
        return
    from dedup.report.terminal import render_sweep

    render_sweep(report, Console())


def main() -> None:
    """The console script: the app, and one line on stderr when Ctrl-C stopped it (typer exits 130 silently)."""
    try:
        app()
    except SystemExit as stop:
        # typer turns KeyboardInterrupt into Exit(130) "from" it; a command that explained the stop itself
        # raised its own Exit(130) with no cause
        exited = stop.__context__
        if stop.code == EXIT_INTERRUPTED and isinstance(
            exited.__cause__ if exited else None, KeyboardInterrupt
        ):
            Console(stderr=True).print("interrupted (Ctrl-C)", highlight=False)
        raise


if __name__ == "__main__":  # pragma: no cover
    main()
