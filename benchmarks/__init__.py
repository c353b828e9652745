"""The project's performance benchmarks (``make bench``): the workloads P1–P4 of the quality spec.

Every figure is printed beside a baseline measured in the same run (the machine is small and noisy),
as a ratio plus the absolute time. See ``docs/performance.md`` for the latest results.
"""
