"""Headless Chromium for the report tests: screenshots and a tiny DevTools client.

:func:`screenshot` starts ``chromium --headless --screenshot``. :class:`DevTools`
speaks the Chrome DevTools Protocol over ``--remote-debugging-pipe`` (the browser
reads JSON messages, each ending in a NUL byte, on file descriptor 3 and writes
them on 4), stdlib only: it opens a page, records every network request, console
message, log entry and uncaught exception, and can take a screenshot.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio",
]


def chromium() -> str | None:
    """Path of the chromium binary, or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(page: Path, png: Path, profile: Path,
               size: str = "1280,2000") -> subprocess.Popen[bytes]:
    """Start headless Chromium rendering ``page`` into the screenshot ``png``.

    Returns the running process (``communicate()`` waits for it).
    """
    exe = chromium()
    assert exe is not None
    cmd = [exe, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={png}",
           f"--window-size={size}", page.resolve().as_uri()]
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


class DevTools:
    """A Chromium started with ``--remote-debugging-pipe``; use as a context manager."""

    def __init__(self, profile: Path, size: tuple[int, int] = (1280, 2000)) -> None:
        exe = chromium()
        assert exe is not None
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire() -> None:  # in the child: the pipe ends become fds 3 and 4
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        self.proc = subprocess.Popen(
            [exe, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe",
             f"--window-size={size[0]},{size[1]}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(3, 4), preexec_fn=wire,  # noqa: PLW1509 - single-threaded test
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buf = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None

    def __enter__(self) -> DevTools:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Ask the browser to quit; kill it (only this process) if it does not."""
        try:
            self._send("Browser.close", {}, session=None)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass

    def _send(self, method: str, params: dict[str, Any], session: str | None) -> int:
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session is not None:
            msg["sessionId"] = session
        os.write(self._to_child, json.dumps(msg).encode() + b"\0")
        return self._next_id

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no message from chromium")
            ready, _, _ = select.select([self._from_child], [], [], left)
            if ready:
                chunk = os.read(self._from_child, 1 << 20)
                if not chunk:
                    raise EOFError("chromium closed the DevTools pipe")
                self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)  # type: ignore[no-any-return]

    def call(self, method: str, params: dict[str, Any] | None = None,
             session: str | None | bool = True, timeout: float = 30.0) -> dict[str, Any]:
        """Send a command (to the page session by default) and return its result."""
        sid = self.session if session is True else (None if session is False else session)
        mid = self._send(method, params or {}, sid)  # type: ignore[arg-type]
        deadline = time.monotonic() + timeout
        while True:
            msg = self._read(deadline)
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})  # type: ignore[no-any-return]
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, event: str, timeout: float = 30.0) -> dict[str, Any]:
        """Wait for an event (already-seen events count)."""
        for e in self.events:
            if e["method"] == event:
                self.events.remove(e)
                return e
        deadline = time.monotonic() + timeout
        while True:
            msg = self._read(deadline)
            if msg.get("method") == event:
                return msg
            if "method" in msg:
                self.events.append(msg)

    def drain(self, seconds: float) -> None:
        """Collect events for a while (late requests, console messages)."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                msg = self._read(deadline)
                if "method" in msg:
                    self.events.append(msg)
        except TimeoutError:
            pass

    def open(self) -> None:
        """Create a page target, attach to it and enable the event domains."""
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = self.call("Target.attachToTarget",
                             {"targetId": target["targetId"], "flatten": True}, session=False)
        self.session = attached["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.call(f"{domain}.enable")

    def visit(self, page: Path) -> dict[str, Any]:
        """Load ``page``; return what happened: requests, console messages, errors."""
        self.events.clear()
        url = page.resolve().as_uri()
        self.call("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")
        self.drain(0.3)
        requests = [e["params"]["request"]["url"] for e in self.events
                    if e["method"] == "Network.requestWillBeSent"]
        console = [e["params"] for e in self.events if e["method"] == "Runtime.consoleAPICalled"]
        exceptions = [e["params"] for e in self.events
                      if e["method"] == "Runtime.exceptionThrown"]
        logs = [e["params"]["entry"] for e in self.events if e["method"] == "Log.entryAdded"]
        return {"url": url, "requests": requests, "console": console, "exceptions": exceptions,
                "logs": logs}

    def capture(self) -> bytes:
        """A PNG screenshot of the current page."""
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        return base64.b64decode(data)

    def evaluate(self, expression: str) -> Any:
        """Evaluate a JavaScript expression in the page (for inspection only)."""
        res = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        return res.get("result", {}).get("value")
