"""Which articles may share text, found cheaply before any alignment.

- :mod:`~dedup.candidates.signatures`: an article's window band keys and block keys under the settings;
- :mod:`~dedup.candidates.lsh`: LSH banding, and the pairs of articles sharing enough buckets;
- :mod:`~dedup.candidates.blocks`: blocks shared by few articles (candidates) or by many (boilerplate);
- :mod:`~dedup.candidates.neighbours`: neighbouring chunks by TF-IDF cosine, for reuse no window keeps.
"""
