"""Benchmarks: scripts that measure speed, memory and accuracy; figures go to BENCHMARKS.md.

Run from the repository root as modules (``python -m bench.lookup``); see bench/README.md.
"""
