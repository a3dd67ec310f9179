"""`make bench`: cold starts, AWS calls per operation, local-stack throughput and Ralph side by side.

Run with `make bench` (or `python -m bench`); it prints one table and writes bench/results.json.
docs/performance.md explains every figure and keeps a measured example.
"""
