"""One frozen, validated settings object, passed down to every stage (never read from globals)."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path

from dedup.errors import SettingsError

__all__ = ["Settings", "CONSTRAINTS", "load_settings", "CONFIG_NAME"]

CONFIG_NAME = "dedup.toml"


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Parameters of matching. Every field has a constraint in :data:`CONSTRAINTS`, checked on creation.

    Attributes:
        ngram: word n-gram length of verbatim seeds (CJK: characters, as every CJK character is a token).
        max_gap_tokens: verbatim seeds closer than this many tokens on both sides are one passage, so a few
            changed, missing or glued words do not split it.
        min_verbatim_tokens: a verbatim passage needs at least this many tokens inside exact shared runs.
        min_sentence_tokens: pieces shorter than this (datelines, list lines, headings) join the next
            sentence, so they never match alone.
        seed_threshold: sentence similarity (mean of word and character TF-IDF cosines) from which two
            sentences seed a rewrite: a wide net, as every rewrite passage is then judged by the model.
        rewrite_threshold: probability of the rewrite model (:mod:`dedup.rewrite`) from which a whole
            rewrite passage (adjacent seeds merged) is reported.
        min_rewrite_tokens: a rewrite passage needs this many tokens on each side.
        region_gap_chars: passages (of any kind) closer than this many characters on both sides form one
            region where a single span per reuse is wanted (PAN detections).
        min_region_chars: regions shorter than this on either side are dropped from the region view.
        summary_ratio: passages adjacent in ``a`` but spread over ``b`` form one region when its ``b`` side
            is at least this many times longer than its ``a`` side (``a`` summarises ``b``).
        num_perm: MinHash permutations per window signature (corpus scans and the index).
        window_block: content words per block; a window is two adjacent blocks.
        lsh_threshold: window Jaccard similarity around which LSH makes two articles candidates.
        min_shared_buckets: two articles are candidates when their windows share at least this many LSH
            buckets (over all windows and bands): reuse agrees in many, a shared topic in few.
        max_bucket_docs: an LSH bucket holding more articles than this pairs only its first article with
            each of the others (a star): all its pairs would be quadratic, and a wire story republished by
            more outlets than this must still be found.
        shared_block_words: two articles are also candidates when they hold the same content-cut block of at
            least this many content words, recurring in at most ``boilerplate_docs`` articles: a sentence
            quoted in another article is too short for windows to share ``min_shared_buckets``.
        neighbours: two articles are also candidates when a chunk of one is among this many chunks of
            other articles most similar to a chunk of the other (TF-IDF cosine, :mod:`dedup.neighbours`):
            reuse that shuffles, replaces or summarises words often shares no window. 0 turns this off.
        neighbour_min_cosine: ...with a cosine of at least this.
        neighbour_chunk_words: content words per chunk.
        neighbour_max_words: a scan looks for neighbours only in corpora of at most this many content words
            (≈ 11,000 news articles): the cost grows with the square of the corpus, ≈ 5 s for 2.7 M words and
            45 s for 7.4 M on two cores. The index does not use neighbours.
        boilerplate_docs: a window whose whole signature recurs in more than this many articles is
            boilerplate: reported apart, never as reuse...
        boilerplate_max_chars: ...unless it belongs to a run of such windows longer than this many
            characters: a footer or a disclaimer is short, a wire story republished by many outlets is not...
        boilerplate_min_words: ...or to a run of fewer content words than this: a common word or two that
            the content cuts happen to isolate as a block ("enforcement", "child support") recurs by chance.
        wholly_derived: derived fraction from which an article is "wholly derived" (METER's WD).
        partially_derived: derived fraction from which an article is "partially derived" (METER's PD).
    """

    ngram: int = 3
    max_gap_tokens: int = 4
    min_verbatim_tokens: int = 8
    min_sentence_tokens: int = 8
    seed_threshold: float = 0.25
    rewrite_threshold: float = 0.4
    min_rewrite_tokens: int = 5
    region_gap_chars: int = 500
    summary_ratio: float = 2.0
    min_region_chars: int = 150
    num_perm: int = 32
    window_block: int = 12
    lsh_threshold: float = 0.3
    min_shared_buckets: int = 4
    max_bucket_docs: int = 50
    shared_block_words: int = 4
    neighbours: int = 8
    neighbour_min_cosine: float = 0.15
    neighbour_chunk_words: int = 50
    neighbour_max_words: int = 4_000_000
    boilerplate_docs: int = 5
    boilerplate_max_chars: int = 600
    boilerplate_min_words: int = 4
    wholly_derived: float = 0.7
    partially_derived: float = 0.05

    def __post_init__(self) -> None:
        validate(self)

    def replace(self, **changes: object) -> Settings:
        """A copy with ``changes`` applied (and validated)."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, object]:
        """Every matching parameter by name, as reports print them."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def changed(self) -> dict[str, object]:
        """The parameters that differ from the defaults."""
        defaults = Settings()
        return {k: v for k, v in self.as_dict().items() if getattr(defaults, k) != v}

    def to_toml(self) -> str:
        """A ``dedup.toml`` holding every parameter."""
        lines = ["# dedup settings: read by compare, scan, index and query", "[settings]"]
        lines += [f"{name} = {value!r}" for name, value in self.as_dict().items()]
        return "\n".join(lines) + "\n"


# name -> (type, low, high), inclusive bounds
CONSTRAINTS: dict[str, tuple[type, float, float]] = {
    "ngram": (int, 1, 12),
    "max_gap_tokens": (int, 0, 50),
    "min_verbatim_tokens": (int, 1, 1000),
    "min_sentence_tokens": (int, 1, 200),
    "seed_threshold": (float, 0.0, 1.0),
    "rewrite_threshold": (float, 0.0, 1.0),
    "min_rewrite_tokens": (int, 1, 1000),
    "region_gap_chars": (int, 0, 100_000),
    "summary_ratio": (float, 1.0, 1000.0),
    "min_region_chars": (int, 0, 100_000),
    "num_perm": (int, 4, 1024),
    "window_block": (int, 2, 1000),
    "lsh_threshold": (float, 0.01, 0.99),
    "min_shared_buckets": (int, 1, 100_000),
    "max_bucket_docs": (int, 2, 10_000_000),
    "shared_block_words": (int, 1, 100_000),
    "neighbours": (int, 0, 1000),
    "neighbour_min_cosine": (float, 0.0, 1.0),
    "neighbour_chunk_words": (int, 5, 100_000),
    "neighbour_max_words": (int, 0, 10**12),
    "boilerplate_docs": (int, 2, 10_000_000),
    "boilerplate_max_chars": (int, 0, 100_000_000),
    "boilerplate_min_words": (int, 1, 100_000),
    "wholly_derived": (float, 0.0, 1.0),
    "partially_derived": (float, 0.0, 1.0),
}


def validate(settings: Settings) -> None:
    """Raise :class:`SettingsError` naming the first parameter outside its constraint."""
    for name, (kind, low, high) in CONSTRAINTS.items():
        value = getattr(settings, name)
        if isinstance(value, bool) or not isinstance(value, (int, float) if kind is float else kind):
            raise SettingsError(f"{name} must be {kind.__name__}, got {value!r}")
        if not low <= value <= high:
            raise SettingsError(f"{name} must be between {low} and {high}, got {value!r}")
    if settings.partially_derived > settings.wholly_derived:
        raise SettingsError(
            f"partially_derived ({settings.partially_derived}) must not exceed wholly_derived "
            f"({settings.wholly_derived})"
        )
    if settings.min_verbatim_tokens < settings.ngram:
        raise SettingsError(
            f"min_verbatim_tokens ({settings.min_verbatim_tokens}) must be at least ngram ({settings.ngram})"
        )


def load_settings(config: Path | None = None, directory: Path | None = None) -> tuple[Settings, str]:
    """Settings from ``config``, else from ``dedup.toml`` in ``directory`` (the working directory), else the
    defaults; also where they came from. The file holds a ``[settings]`` table of parameter names."""
    path = config if config is not None else (directory or Path.cwd()) / CONFIG_NAME
    if config is None and not path.is_file():
        return Settings(), "defaults"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"{path}: no such settings file") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"{path}: not a readable TOML settings file ({error})") from None
    if "settings" not in data:
        # parameters at the top level, or another tool's TOML: using the defaults silently would hide it
        found = f" (it holds {', '.join(sorted(data))})" if data else " (it is empty)"
        raise SettingsError(f"{path}: no [settings] table{found}; put the parameters under [settings]")
    table = data["settings"]
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: [settings] must be a table of parameter names")
    unknown = sorted(set(table) - set(CONSTRAINTS))
    if unknown:
        raise SettingsError(
            f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(CONSTRAINTS)}"
        )
    try:
        return Settings(**table), str(path)
    except SettingsError as error:
        raise SettingsError(f"{path}: {error}") from None
