"""A batch outlives what can go wrong under it: a pool whose workers cannot be started
(its forkserver was killed) is renewed."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import pytest
from test_batch_pool import FORK, die, square

from generator.batch.pool import DIED, GAVE_UP, RestartingPool, WorkerDied


# ---- 9. the machinery under the pool fails --------------------------------------------------
class Refusing(ProcessPoolExecutor):
    """A pool whose first `refuse` submits fail as they do while its forkserver, just
    killed, has not yet been reaped (ConnectionRefusedError from its socket)."""

    def __init__(self, count: int, refuse: int):
        super().__init__(count, mp_context=FORK)
        self.refuse = refuse

    def submit(self, fn, /, *args, **kwargs):
        if self.refuse:
            self.refuse -= 1
            raise ConnectionRefusedError(111, "Connection refused")
        return super().submit(fn, *args, **kwargs)


def refusing(*refusals: int):
    """make(): the n-th pool made refuses refusals[n] submits (those after it none)."""
    left = list(refusals)
    return lambda count: Refusing(count, left.pop(0) if left else 0)


def test_a_pool_that_cannot_start_workers_is_renewed():
    with RestartingPool(refusing(1), 2) as pool:
        assert pool.submit(square, 3).result(timeout=60) == 9
    assert pool.restarts == 1


def test_a_replacement_pool_that_cannot_start_workers_is_renewed_too():
    # a worker dies; the pool made in the break refuses the first report submitted to it,
    # inside the done-callback where the old pool left the report (it used to hang there)
    with RestartingPool(refusing(0, 1), 2) as pool:
        squares = [pool.submit(square, n) for n in range(6)]
        killer = pool.submit(die)
        assert [f.result(timeout=60) for f in squares] == [n * n for n in range(6)]
        with pytest.raises(WorkerDied) as err:
            killer.result(timeout=60)
    assert str(err.value) == DIED
    assert pool.restarts >= 2


def test_a_pool_that_never_starts_workers_gives_up():
    with RestartingPool(lambda count: Refusing(count, 10**6), 2) as pool:
        futures = [pool.submit(square, n) for n in range(3)]
        for future in futures:
            with pytest.raises(WorkerDied) as err:
                future.result(timeout=60)
            assert str(err.value) == GAVE_UP
