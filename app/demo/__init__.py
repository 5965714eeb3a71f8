"""Generated demo data (people, histories, extracts) for `ic demo`, `ic demo-extract`, tests
and benchmarks. The application itself never imports this package (tests/unit/test_layers.py).
"""
