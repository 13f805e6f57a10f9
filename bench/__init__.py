"""Benchmarks: a synthetic-tree generator, an HTTP latency runner and the report that puts the
figures into ``docs/performance.md``. Run them with ``make bench`` (see ``scripts/bench.sh``)."""
