"""A corpus scanned for articles sharing passages: read -> sign -> candidates -> align -> clusters.

- :mod:`~dedup.corpus.stages`: the stages after reading, shared by both engines;
- :mod:`~dedup.corpus.result`: what a scan found (:class:`ScanResult`);
- :mod:`~dedup.corpus.local`: :func:`scan` in worker processes of this machine;
- :mod:`~dedup.corpus.dask_engine`: the same on a Dask cluster.
"""

from __future__ import annotations

from dedup.corpus.local import scan
from dedup.corpus.result import ScanResult

__all__ = ["scan", "ScanResult"]
