"""``python -m bench``: `bench.bench.main`."""

from bench.bench import main

if __name__ == "__main__":
    raise SystemExit(main())
