"""Benchmarks on labelled data: PAN 2013 text alignment, MSRP; their scorers and loaders."""
