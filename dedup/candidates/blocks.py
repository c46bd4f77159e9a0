"""Content-cut blocks across a corpus: blocks shared by few articles make candidate pairs (a quoted
paragraph is too short for windows). A block whose *whole* signature recurs in many documents, in a short
run of such blocks, is boilerplate (agency footers, disclaimers, "Share this article"): it is reported
apart, never as reuse. A long run is a republished story."""

from __future__ import annotations

import numpy as np

from dedup.candidates.lsh import DOC_BITS, candidates_of_packed, pack_entries, run_starts

__all__ = ["boilerplate_blocks", "boilerplate_runs", "shared_block_pairs"]


def boilerplate_blocks(full_keys: np.ndarray, block_docs: np.ndarray, min_docs: int) -> np.ndarray:
    """Blocks whose whole signature recurs in more than ``min_docs`` documents (footers, disclaimers).

    One sort of (signature, document) packed in one word (:func:`pack_entries`); distinct documents per
    signature are counted where either changes.
    """
    if not len(full_keys):
        return np.zeros(0, dtype=bool)
    packed = pack_entries(full_keys[:, None], block_docs)
    order = np.argsort(packed)
    packed = packed[order]
    keys = packed >> np.uint64(DOC_BITS)
    new_key = np.r_[True, keys[1:] != keys[:-1]]
    new_doc = np.r_[True, packed[1:] != packed[:-1]]
    key_number = np.cumsum(new_key) - 1
    flags = np.empty(len(full_keys), dtype=bool)
    flags[order] = np.bincount(key_number, weights=new_doc)[key_number] > min_docs
    return flags


def boilerplate_runs(
    flags: np.ndarray,
    spans: np.ndarray,
    words: np.ndarray,
    block_docs: np.ndarray,
    *,
    max_chars: int,
    min_words: int,
) -> np.ndarray:
    """``flags`` of blocks (in document order; ``spans`` their ``[start, end)``, ``words`` their content
    words), keeping only runs of flagged blocks of one document that span at most ``max_chars`` characters
    and hold at least ``min_words`` content words. A recurring footer is a short run; a recurring wire story,
    republished whole, is a long one and no boilerplate; a common word or two that content cuts happen to
    isolate as a block ("enforcement", "child support") recurs by chance and is none either."""
    previous = np.r_[False, flags[:-1] & (block_docs[1:] == block_docs[:-1])]
    following = np.r_[flags[1:] & (block_docs[1:] == block_docs[:-1]), False]
    firsts, lasts = np.flatnonzero(flags & ~previous), np.flatnonzero(flags & ~following)
    if not len(firsts):
        return flags
    run_words = np.add.reduceat(np.where(flags, words, 0), firsts)  # each run ends before the next starts
    keep = (spans[lasts, 1] - spans[firsts, 0] <= max_chars) & (run_words >= min_words)
    run_of_block = np.cumsum(flags & ~previous) - 1
    return flags & keep[np.maximum(run_of_block, 0)]


def shared_block_pairs(
    block_keys: np.ndarray, block_docs: np.ndarray, words: np.ndarray, *, min_words: int, max_docs: int
) -> np.ndarray:
    """Pairs ``(i, j)``, ``i < j``, of documents holding a block with the same whole signature, of at least
    ``min_words`` content words, that recurs in at most ``max_docs`` documents (beyond that it is
    boilerplate, :func:`boilerplate_blocks`).

    Blocks are cut by content, so a passage copied verbatim is cut into the same blocks wherever it stands:
    one shared block proves a copy too short for windows to share ``min_shared_buckets`` (a sentence
    quoted in another article), and chance rarely repeats a block of several content words.
    """
    keep = words >= min_words
    packed = np.sort(pack_entries(block_keys[keep, None], block_docs[keep]))
    packed = packed[run_starts(packed)]  # one entry per (block, document)
    sizes = np.diff(np.r_[run_starts(packed >> np.uint64(DOC_BITS)), len(packed)])
    # only blocks in 2 to max_docs documents are counted: none is crowded (a star), and most are alone
    shared = np.repeat((sizes >= 2) & (sizes <= max_docs), sizes)
    return candidates_of_packed(packed[shared], max_bucket_docs=max_docs, min_shared=1).pairs
