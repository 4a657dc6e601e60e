"""Benchmarks: settings, URLs and runners (see docs/benchmarks.md)."""
