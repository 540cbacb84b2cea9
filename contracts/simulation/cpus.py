"""``--pin-cpu``: the simulation and its PostgreSQL backend share one CPU.

The simulation is one long synchronous conversation with its database backend: every
query waits for the answer. On a small virtual machine the wake-up of a process on the
other CPU is dear (on the 2-CPU machine of docs/performance.md, a ``SELECT 1`` round trip
took 250–800 µs between CPUs and 57 µs on one), while the two never run at the same time
anyway. So the simulating process and its backend are pinned to one CPU, and the document
workers to the others. Only for a local server (Unix socket or loopback), and only where
this process may set the backend's affinity (the same user, or root); otherwise nothing
is pinned and the run says so.
"""

import contextlib
import ipaddress
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection

logger = logging.getLogger(__name__)


@dataclass
class Pinning:
    cpu: int | None = None  # the simulation's CPU; None: nothing pinned
    others: set[int] = field(default_factory=set)  # for the document workers

    def pin_worker(self, pid: int) -> None:
        if self.cpu is not None and self.others:
            os.sched_setaffinity(pid, self.others)

    def pin_backends(self, *, application_name: str, count: int, wait_seconds: float = 20):
        """Pin the backends of ``count`` connections named ``application_name`` (the
        document workers') to the workers' CPUs, once they have connected."""
        if self.cpu is None or not self.others:
            return
        deadline = time.monotonic() + wait_seconds
        pinned: set[int] = set()
        while len(pinned) < count and time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = %s",
                    [application_name],
                )
                pids = {pid for (pid,) in cursor.fetchall()} - pinned
            for pid in pids:
                with contextlib.suppress(OSError):  # gone, or not ours to pin
                    os.sched_setaffinity(pid, self.others)
                    pinned.add(pid)
            if len(pinned) < count:
                time.sleep(0.05)
        if len(pinned) < count:
            logger.warning("--pin-cpu: %d of %d worker backends pinned", len(pinned), count)


def local_backend_pid() -> int | None:
    """The pid of this connection's PostgreSQL backend if it runs on this machine."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), host(inet_server_addr())")
        pid, address = cursor.fetchone()
    if address is not None and not ipaddress.ip_address(address).is_loopback:
        return None
    try:
        name = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return None
    return pid if name.startswith("postgres") else None


@contextlib.contextmanager
def cpu_pinning(enabled: bool):
    """Pin this process and its backend to one CPU for the block; restore afterwards."""
    if not enabled or not hasattr(os, "sched_setaffinity"):
        yield Pinning()
        return
    available = sorted(os.sched_getaffinity(0))
    backend = local_backend_pid()
    if len(available) < 2 or backend is None:
        logger.warning("--pin-cpu: not pinned (one CPU, or the database is not local)")
        yield Pinning()
        return
    cpu = available[0]
    before = {0: os.sched_getaffinity(0), backend: os.sched_getaffinity(backend)}
    try:
        os.sched_setaffinity(backend, {cpu})
    except OSError as error:
        logger.warning("--pin-cpu: not pinned (%s)", error)
        yield Pinning()
        return
    os.sched_setaffinity(0, {cpu})
    try:
        yield Pinning(cpu=cpu, others=set(available[1:]))
    finally:
        for pid, cpus in before.items():
            with contextlib.suppress(OSError):  # the backend may have gone
                os.sched_setaffinity(pid, cpus)
