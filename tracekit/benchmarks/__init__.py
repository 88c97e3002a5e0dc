"""Benchmarks behind ``tracekit bench``: each returns named figures for one run."""
