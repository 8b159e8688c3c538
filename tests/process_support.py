"""Stand-in servers as real processes on loopback: start, wait until ready, stop."""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

BASE_DIR = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ServerProcess:
    """A server process on ``port`` whose output goes to a file (a pipe nobody
    reads while it runs would fill up and block it)."""

    port: int
    process: subprocess.Popen | None = field(default=None, repr=False)
    output: Any = field(default=None, repr=False)

    def launch(
        self, command: list[str], ready: Callable[[], bool], *, name: str, timeout=20
    ) -> None:
        """Start ``command`` and wait until ``ready()`` (an HTTP probe) holds;
        ``RuntimeError`` with the process's output if it exits or times out."""
        self.output = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            command, cwd=BASE_DIR, stdout=self.output, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{name} exited: {self.log()}")
            try:
                if ready():
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{name} did not start within {timeout} s: {self.log()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def log(self) -> str:
        """Everything the process printed so far."""
        if self.output is None:
            return ""
        self.output.seek(0)
        return self.output.read().decode(errors="replace")
