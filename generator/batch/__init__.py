"""Batch production for supervising offices: many agencies, many years, one command.

A driver of the same pipeline as `nianbao build`, not a second implementation:

- `discover` / `read_manifest` (discover.py) — the inputs, previous years and template
  folders of a folder laid out as ``DIR/<机关>/<年>.xlsx|yaml`` (or a CSV/YAML manifest);
- `run_batch` (driver.py) — runs one task per report on any `concurrent.futures.Executor`
  and writes outputs, findings, summary and cache into OUT;
- report_task.py — the picklable task a worker runs (bytes in, bytes out);
- executors.py — the local process pool and the Dask executor of the command line;
- cache.py — the incremental manifest ``OUT/.nianbao-cache.json``;
- summary.py — summary.html / summary.xlsx / summary.json;
- aggregate.py — `nianbao aggregate`: tables 二/三/四 summed over a year's agencies.
"""

from nianbao.batch.discover import Entry, discover, read_manifest
from nianbao.batch.driver import BatchOptions, BatchResult, run_batch

__all__ = ["BatchOptions", "BatchResult", "Entry", "discover", "read_manifest", "run_batch"]
