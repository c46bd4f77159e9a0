"""One frozen, validated settings object, passed down to every stage (never read from globals)."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dedup.errors import SettingsError

__all__ = [
    "Settings",
    "CONSTRAINTS",
    "STAGES",
    "load_settings",
    "CONFIG_NAME",
    "check",
    "setting",
    "stage_fields",
]

CONFIG_NAME = "dedup.toml"
STAGES = ("prepare", "align", "cases", "signatures", "candidates", "boilerplate", "verdict")


def setting(default: int | float, *, low: int | float, high: int | float, stage: str, doc: str) -> Any:
    """A parameter of :class:`Settings`: its default, inclusive bounds, the stage that reads it
    (:data:`STAGES`) and what it means, in one place."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; one of {', '.join(STAGES)}")
    return field(default=default, metadata={"low": low, "high": high, "stage": stage, "doc": doc})


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Parameters of matching, each declared once below: default, inclusive bounds, the stage that reads it
    and what it means (:func:`setting`). Checked on creation; ``Settings.describe()`` lists them."""

    ngram: int = setting(
        3, low=1, high=12, stage="align",
        doc="word n-gram length of verbatim seeds (CJK: characters, as every CJK character is a token)."
    )  # fmt: skip
    max_gap_tokens: int = setting(
        4, low=0, high=50, stage="align",
        doc="verbatim seeds closer than this many tokens on both sides are one passage, so a few changed, "
        "missing or glued words do not split it."
    )  # fmt: skip
    min_verbatim_tokens: int = setting(
        8, low=1, high=1000, stage="align",
        doc="a verbatim passage needs at least this many tokens inside exact shared runs."
    )  # fmt: skip
    min_sentence_tokens: int = setting(
        8, low=1, high=200, stage="prepare",
        doc="pieces shorter than this (datelines, list lines, headings) join the next sentence, so they never "
        "match alone."
    )  # fmt: skip
    seed_threshold: float = setting(
        0.25, low=0.0, high=1.0, stage="align",
        doc="sentence similarity (mean of word and character TF-IDF cosines) from which two sentences seed a "
        "rewrite: a wide net, as every rewrite passage is then judged by the model."
    )  # fmt: skip
    context_threshold: float = setting(
        0.3, low=0.0, high=1.0, stage="align",
        doc="probability of the rewrite model from which a sentence pair next to a kept passage on both "
        "sides (sharing a word) is a rewrite too: a heavily reworded sentence at the edge of a reused "
        "block, where its neighbour is the evidence. 1.0: no such pairs."
    )  # fmt: skip
    split_similarity: float = setting(
        0.25, low=0.0, high=1.0, stage="align",
        doc="TF-IDF similarity to the edge sentence of a kept passage from which the sentence just before or "
        "after it on the other side joins the passage, when joined it makes the pair more similar: one "
        "sentence rewritten as two, or two as one. 1.0: never."
    )  # fmt: skip
    rewrite_threshold: float = setting(
        0.4, low=0.0, high=1.0, stage="align",
        doc="probability of the rewrite model (:mod:`dedup.align.rewrite`) from which a whole rewrite passage "
        "(adjacent seeds merged) is reported."
    )  # fmt: skip
    min_rewrite_tokens: int = setting(
        5, low=1, high=1000, stage="align",
        doc="a rewrite passage needs this many tokens on each side."
    )  # fmt: skip
    region_gap_chars: int = setting(
        500, low=0, high=100_000, stage="cases",
        doc="passages (of any kind) closer than this many characters on both sides may form one reuse case."
    )  # fmt: skip
    case_slack_chars: int = setting(
        100, low=0, high=100_000, stage="cases",
        doc="a case may leave this many characters of either side unmatched between its passages, whatever "
        "the other side leaves (a few changed words, a glued clause)."
    )  # fmt: skip
    case_balance: float = setting(
        0.2, low=0.0, high=1.0, stage="cases",
        doc="beyond the slack, a case's unmatched characters on one side must be at least this share of the "
        "other side's: text only one side holds (an outlet's own sentence) splits the case there."
    )  # fmt: skip
    summary_ratio: float = setting(
        2.0, low=1.0, high=1000.0, stage="cases",
        doc="passages adjacent in one article but spread over the other form a summary case when its spread "
        "side is at least this many times longer than its compact side; the summarised side is then the "
        "whole article."
    )  # fmt: skip
    summary_coverage: float = setting(
        0.5, low=0.0, high=1.0, stage="cases",
        doc="a summary case needs its passages to cover at least this share of its compact side: a summary "
        "is made of condensed sentences, not of a phrase or two shared by chance."
    )  # fmt: skip
    summary_copy_share: float = setting(
        0.75, low=0.0, high=1.0, stage="cases",
        doc="a summary case is refused when more than this share of its compact side lies in passages that are "
        "blocks of their own (``min_region_chars`` on both sides, in step): copied paragraphs, not condensed "
        "sentences."
    )  # fmt: skip
    summary_evidence: float = setting(
        0.05, low=0.0, high=1.0, stage="cases",
        doc="a summary case claims the whole summarised article, so its passages there must cover at least "
        "this share of the span they spread over."
    )  # fmt: skip
    template_min_numbers: int = setting(
        3, low=1, high=10_000, stage="cases",
        doc="a case with at least this many numbers on each side can be a template (see "
        "``template_shared_numbers``)."
    )  # fmt: skip
    template_shared_numbers: float = setting(
        0.5, low=0.0, high=1.0, stage="cases",
        doc="a case whose numbers are shared below this share (of the side with fewer) is a ``template``: one "
        "form with other figures (earnings tables, market reports), not reuse of news content."
    )  # fmt: skip
    min_region_chars: int = setting(
        150, low=0, high=100_000, stage="cases",
        doc="cases shorter than this on either side are not reported as cases (their passages still are)."
    )  # fmt: skip
    num_perm: int = setting(
        32, low=4, high=1024, stage="signatures",
        doc="MinHash permutations per window signature (corpus scans and the index)."
    )  # fmt: skip
    window_block: int = setting(
        12, low=2, high=1000, stage="signatures",
        doc="content words per block; a window is two adjacent blocks."
    )  # fmt: skip
    lsh_threshold: float = setting(
        0.3, low=0.01, high=0.99, stage="signatures",
        doc="window Jaccard similarity around which LSH makes two articles candidates."
    )  # fmt: skip
    min_shared_buckets: int = setting(
        4, low=1, high=100_000, stage="candidates",
        doc="two articles are candidates when their windows share at least this many LSH buckets (over all "
        "windows and bands): reuse agrees in many, a shared topic in few."
    )  # fmt: skip
    align_min_buckets: int = setting(
        12, low=0, high=100_000, stage="candidates",
        doc="a scan's pre-check: a candidate pair sharing fewer LSH buckets than this (and not found as "
        "neighbours) is matched from exact runs alone and reported ``verbatim_only``: its rewritten "
        "sentences, if any, are not looked for. The default is one window copied whole (every band). 0 "
        "aligns every pair in full."
    )  # fmt: skip
    max_bucket_docs: int = setting(
        50, low=2, high=10_000_000, stage="candidates",
        doc="an LSH bucket holding more articles than this pairs only its first article with each of the "
        "others (a star): all its pairs would be quadratic, and a wire story republished by more outlets "
        "than this must still be found."
    )  # fmt: skip
    shared_block_words: int = setting(
        4, low=1, high=100_000, stage="candidates",
        doc="two articles are also candidates when they hold the same content-cut block of at least this many "
        "content words, recurring in at most ``boilerplate_docs`` articles: a sentence quoted in another "
        "article is too short for windows to share ``min_shared_buckets``."
    )  # fmt: skip
    neighbours: int = setting(
        8, low=0, high=1000, stage="candidates",
        doc="two articles are also candidates when a chunk of one is among this many chunks of other articles "
        "most similar to a chunk of the other (TF-IDF cosine, :mod:`dedup.candidates.neighbours`): reuse that "
        "shuffles, replaces or summarises words often shares no window. 0 turns this off."
    )  # fmt: skip
    neighbour_min_cosine: float = setting(
        0.15, low=0.0, high=1.0, stage="candidates",
        doc="...with a cosine of at least this."
    )  # fmt: skip
    neighbour_chunk_words: int = setting(
        50, low=5, high=100_000, stage="candidates",
        doc="content words per chunk."
    )  # fmt: skip
    neighbour_max_words: int = setting(
        4_000_000, low=0, high=10**12, stage="candidates",
        doc="a scan looks for neighbours only in corpora of at most this many content words (≈ 11,000 news "
        "articles): the cost grows with the square of the corpus, ≈ 5 s for 2.7 M words and 45 s for 7.4 "
        "M on two cores. The index does not use neighbours."
    )  # fmt: skip
    boilerplate_docs: int = setting(
        5, low=2, high=10_000_000, stage="boilerplate",
        doc="a window whose whole signature recurs in more than this many articles is boilerplate: reported "
        "apart, never as reuse..."
    )  # fmt: skip
    boilerplate_max_chars: int = setting(
        600, low=0, high=100_000_000, stage="boilerplate",
        doc="...unless it belongs to a run of such windows longer than this many characters: a footer or a "
        "disclaimer is short, a wire story republished by many outlets is not..."
    )  # fmt: skip
    boilerplate_min_words: int = setting(
        4, low=1, high=100_000, stage="boilerplate",
        doc="...or to a run of fewer content words than this: a common word or two that the content cuts "
        'happen to isolate as a block ("enforcement", "child support") recurs by chance.'
    )  # fmt: skip
    wholly_derived: float = setting(
        0.7, low=0.0, high=1.0, stage="verdict",
        doc='derived fraction from which an article is "wholly derived" (METER\'s WD).'
    )  # fmt: skip
    partially_derived: float = setting(
        0.05, low=0.0, high=1.0, stage="verdict",
        doc='derived fraction from which an article is "partially derived" (METER\'s PD).'
    )  # fmt: skip

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

    @staticmethod
    def describe() -> str:
        """Every parameter with its default, bounds, stage and meaning (one paragraph each)."""
        return "\n".join(
            f"{f.name} = {f.default!r} ({f.metadata['low']} to {f.metadata['high']}; {f.metadata['stage']}): "
            f"{f.metadata['doc']}"
            for f in dataclasses.fields(Settings)
        )


_TYPES = {"int": int, "float": float}

# name -> (type, low, high), inclusive bounds: read off the fields, never written twice
CONSTRAINTS: dict[str, tuple[type, float, float]] = {
    f.name: (_TYPES[f.type], f.metadata["low"], f.metadata["high"]) for f in dataclasses.fields(Settings)
}


def stage_fields(stage: str) -> tuple[str, ...]:
    """The parameters read by ``stage`` (``"align"``: what changes passages; ``"signatures"``: what changes
    signature values...)."""
    return tuple(f.name for f in dataclasses.fields(Settings) if f.metadata["stage"] == stage)


def check(name: str, value: object) -> None:
    """Raise :class:`SettingsError` unless ``value`` fits parameter ``name``'s type and bounds."""
    kind, low, high = CONSTRAINTS[name]
    if isinstance(value, bool) or not isinstance(value, (int, float) if kind is float else kind):
        raise SettingsError(f"{name} must be {kind.__name__}, got {value!r}")
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value!r}")


def validate(settings: Settings) -> None:
    """Raise :class:`SettingsError` naming the first parameter outside its constraint."""
    for name in CONSTRAINTS:
        check(name, getattr(settings, name))
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
