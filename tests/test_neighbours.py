from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.candidates.neighbours import chunk_vectors, neighbour_pairs
from dedup.candidates.signatures import sign
from dedup.corpus.local import scan
from dedup.corpus.stages import neighbours_apply
from dedup.hashing import features
from dedup.settings import Settings
from dedup.sources import Article

from .textgen import article


def _obfuscated(text: str, seed: int, kept: float = 0.5, replaced: float = 0.6) -> str:
    """``kept`` of the words of ``text`` in a random order, ``replaced`` of those exchanged for words of
    another text: strong enough that the copy's windows share no LSH bucket with the original's."""
    rng = random.Random(seed)
    words, others = text.split(), article(seed + 1000).split()
    rng.shuffle(words)
    return " ".join(
        rng.choice(others) if rng.random() < replaced else w for w in words[: int(len(words) * kept)]
    )


def _hashes(texts: list[str]) -> list[np.ndarray]:
    return [features(t).hashes for t in texts]


def test_chunks_are_unit_rows_of_their_article_and_an_empty_article_has_none():
    words = _hashes([article(1), "", article(2, sentences=2)])
    vectors, owner = chunk_vectors(words, chunk_words=20)
    expected = [-(-len(w) // 20) for w in words]
    assert np.bincount(owner, minlength=3).tolist() == expected and expected[1] == 0
    norms = np.sqrt(np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel())
    assert np.allclose(norms[norms > 0], 1.0, atol=1e-5)


@pytest.mark.parametrize("copied", [True, False])
def test_an_obfuscated_copy_is_the_nearest_neighbour_of_its_original(copied):
    texts = [article(seed) for seed in range(40)]
    tail = _obfuscated(article(3), seed=3) if copied else article(100)  # 40: holds 3, reworded, after 7
    texts.append(article(7) + "\n\n" + tail)
    pairs = neighbour_pairs(_hashes(texts), k=1, min_cosine=0.15, chunk_words=50)
    partners = {int(j if i == 40 else i) for i, j in pairs.tolist() if 40 in (i, j)}
    assert 7 in partners and (3 in partners) == copied


def test_identical_articles_are_found_at_a_minimum_cosine_of_one():
    texts = [article(1), article(2), article(1)]
    pairs = neighbour_pairs(_hashes(texts), k=1, min_cosine=1.0, chunk_words=30)
    assert pairs.tolist() == [[0, 2]]


@settings(max_examples=30, deadline=None)
@given(
    seeds=st.lists(st.integers(0, 30), min_size=0, max_size=12),
    k=st.integers(1, 4),
    min_cosine=st.floats(0.0, 0.6),
    chunk_words=st.integers(5, 60),
)
def test_every_pair_holds_a_chunk_pair_at_least_as_similar_as_asked(seeds, k, min_cosine, chunk_words):
    words = _hashes([article(s, sentences=4) for s in seeds])
    pairs = neighbour_pairs(words, k=k, min_cosine=min_cosine, chunk_words=chunk_words)
    assert pairs.shape[1] == 2 and pairs.dtype == np.int64
    assert np.all(pairs[:, 0] < pairs[:, 1]) and np.all(pairs[:, 1] < max(len(seeds), 1))
    assert len(np.unique(pairs, axis=0)) == len(pairs)
    vectors, owner = chunk_vectors(words, chunk_words)
    cosines = (vectors @ vectors.T).toarray() if vectors.shape[0] else np.zeros((0, 0))
    for i, j in pairs.tolist():
        best = cosines[np.ix_(owner == i, owner == j)].max()
        assert best >= min_cosine - 2e-6  # the library's tolerance, and another order of sums
    # each chunk names at most k other articles' chunks, so at most k pairs per chunk
    assert len(pairs) <= k * len(owner)


def test_neighbours_apply_only_when_on_and_the_corpus_holds_few_enough_words():
    signed = [sign(Article(f"a{i}", f"a{i}.txt", article(i)), Settings()) for i in range(3)]
    total = sum(len(features(s.article.text).words) for s in signed)
    assert neighbours_apply(signed, Settings(neighbour_max_words=total))
    assert not neighbours_apply(signed, Settings(neighbour_max_words=total - 1))
    assert not neighbours_apply(signed, Settings(neighbours=0))


@pytest.mark.parametrize("neighbours", [0, 8])
def test_a_scan_verifies_an_obfuscated_copy_only_with_neighbours(tmp_path, neighbours):
    for seed in range(30):
        (tmp_path / f"story{seed}.txt").write_text(article(seed), encoding="utf-8")
    (tmp_path / "copy.txt").write_text(article(100) + "\n\n" + _obfuscated(article(3), 3), encoding="utf-8")
    result = scan(tmp_path, settings=Settings(neighbours=neighbours), jobs=1)
    ids = [a.id for a in result.articles]
    checked = {frozenset((ids[i], ids[j])) for i, j in result.candidate_pairs.tolist()}
    pair = frozenset((str(tmp_path / "story3.txt"), str(tmp_path / "copy.txt")))
    assert (pair in checked) == (neighbours > 0)
    assert np.all(result.candidate_pairs[:, 0] < result.candidate_pairs[:, 1])


@pytest.mark.parametrize("neighbours", [0, 8])
def test_a_scan_reports_the_progress_of_its_neighbour_stages(tmp_path, neighbours):
    for seed in range(5):
        (tmp_path / f"story{seed}.txt").write_text(article(seed), encoding="utf-8")
    reports: dict[str, tuple[int, int]] = {}
    scan(
        tmp_path,
        settings=Settings(neighbours=neighbours),
        jobs=1,
        progress=lambda *r: reports.update({r[0]: r[1:]}),
    )
    stages = {"hashing content words": (5, 5), "finding neighbours": (1, 1)}
    assert all(reports.get(stage) == (last if neighbours else None) for stage, last in stages.items())
    assert reports["aligning"][0] == reports["aligning"][1]


def test_neighbours_do_not_depend_on_the_number_of_threads():
    words = _hashes([article(seed, sentences=6) for seed in range(60)] + [article(5), article(9)])
    found = [neighbour_pairs(words, k=3, min_cosine=0.1, chunk_words=20, threads=t) for t in (1, 2)]
    assert len(found[0]) > 0 and np.array_equal(found[0], found[1])
