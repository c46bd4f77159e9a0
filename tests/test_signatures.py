from __future__ import annotations

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.errors import SettingsError
from dedup.hashing import SignatureScheme, feature_hashes, features, window_signatures


def test_features_are_content_words_with_original_offsets():
    text = "The Ünïcode “Cloud Shield” said 2020 阿里巴巴"
    found = features(text)
    assert found.words == ["unicode", "cloud", "shield", "said", "阿里", "里巴", "巴巴"]
    assert [text[s:e] for s, e in zip(found.starts, found.ends, strict=True)] == [
        "Ünïcode", "Cloud", "Shield", "said", "阿里", "里巴", "巴巴",
    ]  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=200), st.sampled_from([16, 64]))
def test_window_signatures_equal_datasketch_on_the_same_hashes(values, num_perm):
    hashes = np.array(values, dtype=np.uint32)
    scheme = SignatureScheme(num_perm=num_perm, block=5)
    windows = window_signatures(hashes, scheme)
    for row, first, last in zip(windows.signatures, windows.first, windows.last, strict=True):
        reference = MinHash(num_perm=num_perm, seed=scheme.seed, hashfunc=int)
        reference.update_batch([int(v) for v in hashes[first:last]])
        np.testing.assert_array_equal(row, reference.hashvalues)
        lean = LeanMinHash(seed=scheme.seed, hashvalues=row, scheme="affine32")
        assert lean.jaccard(LeanMinHash(reference)) == 1.0


def test_estimates_match_datasketch_defaults_within_sampling_error():
    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in rng.integers(0, 5000, 400)]
    other = words[:300] + [f"x{i}" for i in range(100)]
    scheme = SignatureScheme(num_perm=256, block=1000)
    ours = [window_signatures(feature_hashes(w), scheme).signatures[0] for w in (words, other)]
    estimate = float(np.mean(ours[0] == ours[1]))
    reference = [MinHash(num_perm=256), MinHash(num_perm=256)]
    for minhash, items in zip(reference, (words, other), strict=True):
        minhash.update_batch([w.encode() for w in items])
    truth = len(set(words) & set(other)) / len(set(words) | set(other))
    assert abs(estimate - truth) < 0.1 and abs(reference[0].jaccard(reference[1]) - truth) < 0.1


def test_windows_overlap_by_half_and_cover_the_document():
    windows = window_signatures(np.arange(50, dtype=np.uint32), SignatureScheme(num_perm=8, block=10))
    assert windows.first.tolist() == [0, 10, 20, 30]
    assert windows.last.tolist() == [20, 30, 40, 50]


def test_content_cut_blocks_do_not_depend_on_where_a_passage_starts():
    passage = feature_hashes([f"footer{i}" for i in range(80)])
    scheme = SignatureScheme(num_perm=16, block=6)
    keys = []
    for prefix_length in (0, 7, 13):
        prefix = feature_hashes([f"body{prefix_length}-{i}" for i in range(prefix_length)])
        blocks = window_signatures(np.r_[prefix, passage], scheme).block_signatures
        keys.append({row.tobytes() for row in blocks})
    assert len(keys[0] & keys[1] & keys[2]) >= 3


def test_bad_schemes_raise():
    with pytest.raises(SettingsError, match="num_perm"):
        SignatureScheme(num_perm=0)
    with pytest.raises(SettingsError, match="block"):
        SignatureScheme(block=1)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=300))
def test_ascii_features_found_in_numpy_equal_the_general_path(text):
    from dedup.hashing import _ascii_features, _unicode_features

    fast, general = _ascii_features(text), _unicode_features(text)
    assert fast.words == general.words
    assert fast.hashes.tolist() == general.hashes.tolist() == feature_hashes(fast.words).tolist()
    assert fast.starts.tolist() == general.starts.tolist() and fast.ends.tolist() == general.ends.tolist()
