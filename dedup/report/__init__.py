"""Renderings of comparisons: terminal (rich) and JSON."""
