"""Runs `nianbao check` in one process on many files, each under a time bound, the whole
process under a memory bound; writes one JSON line per file (exit code, seconds) to the
file named first.  Used by tests/test_fuzz.py; a separate process so the memory limit and
a runaway parse cannot touch the test runner.

Usage: python tests/fuzz_harness.py RESULTS.jsonl MEMORY_MB SECONDS FILE...
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import time


class Timeout(BaseException):
    """A file took longer than its bound (a BaseException: the CLI must not catch it)."""


def _alarm(signum: int, frame: object) -> None:
    raise Timeout


def main() -> None:
    results, memory_mb, seconds, *files = sys.argv[1:]
    limit = int(memory_mb) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from nianbao.cli.main import main as cli

    signal.signal(signal.SIGALRM, _alarm)
    null = os.open(os.devnull, os.O_WRONLY)
    with open(results, "w", encoding="utf-8") as out:
        for path in files:
            started = time.monotonic()
            signal.setitimer(signal.ITIMER_REAL, float(seconds))
            saved = os.dup(1), os.dup(2)
            os.dup2(null, 1)
            os.dup2(null, 2)
            try:
                code = cli(["check", path, "--format", "json"])
            except SystemExit as exc:   # argparse's own misuse exit
                code = exc.code
            except Timeout:
                code = "timeout"
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
                os.close(saved[0])
                os.close(saved[1])
            out.write(json.dumps({"file": path, "code": code,
                                  "seconds": round(time.monotonic() - started, 3)}) + "\n")
            out.flush()


if __name__ == "__main__":
    main()
