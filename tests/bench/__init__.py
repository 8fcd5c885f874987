"""`make bench`: the benchmark (throughput, per-format times, Chromium and Typst for
comparison).  Kept out of the `nianbao` package: nothing at run time imports it, and the
wheel does not carry it.  Run from the checkout: ``PYTHONPATH=tests python -m bench --n 60 --jobs 2`` (`make bench`)."""
