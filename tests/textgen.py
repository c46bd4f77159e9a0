"""Deterministic synthetic news-like text for tests (no corpus needed)."""

from __future__ import annotations

import random

_SYLLABLES = [
    "ka",
    "lo",
    "mer",
    "tan",
    "vi",
    "sol",
    "dre",
    "pu",
    "nor",
    "ex",
    "ba",
    "ri",
    "cho",
    "len",
    "gu",
    "faz",
]


def sentence(rng: random.Random, words: int = 14) -> str:
    body = " ".join("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(words))
    return body[0].upper() + body[1:] + "."


def article(seed: int, sentences: int = 12) -> str:
    """A text of ``sentences`` sentences, in paragraphs of two, different for every ``seed``."""
    rng = random.Random(seed)
    lines = [" ".join(sentence(rng, rng.randint(10, 18)) for _ in range(2)) for _ in range(sentences // 2)]
    return "\n\n".join(lines) + "\n"


def html_page(text: str) -> str:
    """``text`` as a news page: each non-blank line a paragraph of the page's article."""
    paragraphs = "".join(f"<p>{line}</p>" for line in text.split("\n") if line.strip())
    return f"<html><body><article>{paragraphs}</article></body></html>"
