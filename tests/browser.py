"""Headless Chromium for tests: open a local page offline, record what it asks for.

Chromium (Debian package ``chromium``) is driven through the Chrome DevTools
protocol over ``--remote-debugging-pipe`` (NUL-separated JSON on file
descriptors 3 and 4), so the harness needs nothing but the standard library:
no websocket client, no Playwright, no downloaded browser.

Every request is recorded (``Network.requestWillBeSent`` on the page and on
every worker it starts) and every request but the page's own document is
failed before it leaves the browser (``Fetch.requestPaused`` ->
``Fetch.failRequest``); on top of that the host resolver maps every name to
nothing and the proxy points at a closed local port, so even a request the
protocol did not see cannot reach the network.

Typical use::

    from browser import find_chromium, render, screenshot

    page = render("report.html", width=1000, height=700)
    assert page.external_requests == []
    assert page.console_errors == []
    page.image  # PIL.Image of the viewport

``screenshot(html_path, png_path, width, height)`` writes a PNG (for docs/).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import io
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "CHROMIUM_FLAGS",
    "BrowserError",
    "Page",
    "RenderedPage",
    "count_near",
    "find_chromium",
    "render",
    "screenshot",
]

#: Flags for a headless, offline, deterministic Chromium on this machine.
#: The background-networking group stops Chromium's own calls to Google;
#: ``--enable-unsafe-swiftshader`` lets WebGL fall back to the software
#: (SwiftShader) rasteriser, which is what draws MapLibre's canvas here.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-breakpad",
    "--disable-crash-reporter",
    "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider",
    "--metrics-recording-only",
    "--mute-audio",
    "--hide-scrollbars",
    "--force-color-profile=srgb",
    "--font-render-hinting=none",
    # belt and braces: nothing resolves and every connection goes to a closed port
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
)

#: Schemes that never leave the page: in-memory worker bundles and inline images.
LOCAL_SCHEMES = ("data:", "blob:", "about:")

#: A page with maps is ready when every ``.corredor-map`` has drawn (``data-map-state``).
MAPS_READY = (
    "document.readyState === 'complete' && "
    "[...document.querySelectorAll('.corredor-map')]"
    ".every(el => ['idle', 'error'].includes(el.dataset.mapState))"
)


class BrowserError(RuntimeError):
    """Chromium could not be started, stopped answering, or a page timed out."""


def find_chromium() -> str | None:
    """The Chromium executable: ``$CORREDOR_CHROMIUM`` or ``chromium`` on the path.

    Returns
    -------
    str or None
        The path, or None when no Chromium is installed (tests then skip).
    """
    configured = os.environ.get("CORREDOR_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class _Pipe:
    """The DevTools pipe: replies matched to commands, events handed to ``on_event``.

    Events are dispatched while a command waits for its reply, so a handler
    may itself send commands (e.g. continue a paused request the pending
    navigation depends on).
    """

    process: subprocess.Popen
    to_browser: int
    from_browser: int
    on_event: Callable[[dict], None] = lambda event: None
    buffer: bytes = b""
    next_id: int = 0
    replies: dict[int, dict] = field(default_factory=dict)

    def _pump(self, timeout: float) -> bool:
        """Read and dispatch what arrives within ``timeout`` s; False when nothing came."""
        ready, _, _ = select.select([self.from_browser], [], [], max(timeout, 0))
        if not ready:
            return False
        chunk = os.read(self.from_browser, 1 << 20)
        if not chunk:
            raise BrowserError(f"Chromium exited (code {self.process.poll()})")
        self.buffer += chunk
        while b"\0" in self.buffer:
            raw, self.buffer = self.buffer.split(b"\0", 1)
            message = json.loads(raw)
            if "id" in message:
                self.replies[message["id"]] = message
            else:
                self.on_event(message)
        return True

    def send(self, method: str, params: dict | None = None, *, session: str | None = None,
             timeout: float = 30.0) -> dict:
        """Send one command and return its result."""
        self.next_id += 1
        command_id = self.next_id
        message: dict[str, Any] = {"id": command_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while command_id not in self.replies:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrowserError(f"Chromium did not answer {method} within {timeout:.0f} s")
            self._pump(remaining)
        reply = self.replies.pop(command_id)
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error'].get('message')}")
        return reply.get("result", {})

    def poll(self, timeout: float) -> None:
        """Dispatch the events that arrive within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while self._pump(deadline - time.monotonic()):
            pass


def _launch(executable: str, profile: str) -> _Pipe:
    """Start Chromium with the DevTools pipe on its file descriptors 3 (in) and 4 (out)."""
    commands_read, commands_write = os.pipe()
    replies_read, replies_write = os.pipe()

    def wire_pipes() -> None:  # runs in the child between fork and exec
        # copy both ends above 9 first, so moving one onto 3 or 4 cannot clobber the other
        commands, replies = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
                             for fd in (commands_read, replies_write))
        os.dup2(commands, 3)
        os.dup2(replies, 4)

    process = subprocess.Popen(
        [executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
         "--remote-debugging-pipe", "about:blank"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=wire_pipes, pass_fds=(3, 4),  # close_fds keeps only these
    )
    os.close(commands_read)
    os.close(replies_write)
    return _Pipe(process, commands_write, replies_read)


@dataclass
class RenderedPage:
    """What a page did once it was ready.

    Attributes
    ----------
    url : str
        The page's own ``file://`` URL.
    requests : list of str
        Every URL the page or its workers asked for, in order (the page itself included).
    console_errors : list of str
        Console errors, uncaught exceptions and browser log errors.
    console : list of (str, str)
        Every console and browser log message as (level, text), warnings included.
    png : bytes
        A screenshot of the viewport.
    """

    url: str
    requests: list[str]
    console_errors: list[str]
    console: list[tuple[str, str]]
    png: bytes

    @property
    def external_requests(self) -> list[str]:
        """Requests other than the page itself and in-memory ``data:``/``blob:`` URLs."""
        return [
            url for url in self.requests
            if url != self.url and not url.startswith(LOCAL_SCHEMES)
        ]

    @property
    def image(self):
        """The screenshot as an RGB ``PIL.Image``."""
        from PIL import Image

        return Image.open(io.BytesIO(self.png)).convert("RGB")


class Page:
    """One Chromium with one tab, offline; use as a context manager.

    Parameters
    ----------
    width, height : int
        Viewport in CSS pixels (device scale factor 1, so screenshots are that size).
    executable : str, optional
        Chromium to run; default :func:`find_chromium`.
    """

    def __init__(self, *, width: int = 1000, height: int = 700,
                 executable: str | None = None) -> None:
        self.width, self.height = width, height
        self.executable = executable or find_chromium()
        if self.executable is None:
            raise BrowserError("Chromium is not installed (apt-get install chromium)")
        self.url = ""
        self.requests: list[str] = []
        self.console: list[tuple[str, str]] = []
        self.console_errors: list[str] = []
        self._request_ids: set[str] = set()
        self._profile = tempfile.TemporaryDirectory(prefix="corredor-chromium-")
        self._pipe: _Pipe | None = None
        self._session = ""

    def __enter__(self) -> Page:
        self._pipe = _launch(self.executable, self._profile.name)
        self._pipe.on_event = self._on_event
        try:
            self._open_tab()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Stop Chromium (the one this object started) and delete its profile."""
        pipe, self._pipe = self._pipe, None
        if pipe is not None:
            with contextlib.suppress(BrowserError, OSError):
                pipe.send("Browser.close", timeout=5)
            try:
                pipe.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pipe.process.kill()
                pipe.process.wait()
            os.close(pipe.to_browser)
            os.close(pipe.from_browser)
        self._profile.cleanup()

    def _open_tab(self) -> None:
        target = self.pipe.send("Target.createTarget", {"url": "about:blank"})
        attached = self.pipe.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
        )
        self._session = attached["sessionId"]
        self._instrument(self._session)
        self.send("Page.enable")
        self.send("Emulation.setDeviceMetricsOverride", {
            "width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False,
        })

    def _instrument(self, session: str, *, worker: bool = False) -> None:
        """Record requests and errors of one target; workers are attached paused, then run.

        Interception (``Fetch``) lives on the page: it also pauses its workers' requests.
        """
        self.pipe.send("Network.enable", session=session)
        self.pipe.send("Runtime.enable", session=session)
        if not worker:
            self.pipe.send("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}, session=session)
            self.pipe.send("Log.enable", session=session)
        self.pipe.send("Target.setAutoAttach", {
            "autoAttach": True, "waitForDebuggerOnStart": True, "flatten": True,
        }, session=session)

    @property
    def pipe(self) -> _Pipe:
        if self._pipe is None:
            raise BrowserError("the browser is not running (use `with Page() as page:`)")
        return self._pipe

    def send(self, method: str, params: dict | None = None, *, timeout: float = 30.0) -> dict:
        """Send a DevTools command to the tab and handle the events it caused."""
        return self.pipe.send(method, params, session=self._session, timeout=timeout)

    def _on_event(self, event: dict) -> None:
        method, params, session = event.get("method", ""), event.get("params", {}), event.get(
            "sessionId"
        )
        if method == "Network.requestWillBeSent":
            self._record(params["requestId"], params["request"]["url"])
        elif method == "Fetch.requestPaused":
            url = params["request"]["url"]
            self._record(params.get("networkId", params["requestId"]), url)
            if url == self.url or url.startswith(LOCAL_SCHEMES):
                self.pipe.send("Fetch.continueRequest", {"requestId": params["requestId"]},
                               session=session)
            else:
                self.pipe.send("Fetch.failRequest", {
                    "requestId": params["requestId"], "errorReason": "BlockedByClient",
                }, session=session)
        elif method == "Target.attachedToTarget":
            worker = params["sessionId"]
            self._instrument(worker, worker=True)
            self.pipe.send("Runtime.runIfWaitingForDebugger", session=worker)
        else:
            message = _console_message(method, params)
            if message:
                self.console.append(message)
                if message[0] == "error":
                    self.console_errors.append(message[1])

    def _record(self, request_id: str, url: str) -> None:
        """Note a request once, whichever of Network/Fetch reports it first."""
        if request_id not in self._request_ids:
            self._request_ids.add(request_id)
            self.requests.append(url)

    def evaluate(self, expression: str, *, timeout: float = 30.0) -> Any:
        """The value of a JavaScript expression in the page (promises are awaited)."""
        result = self.send("Runtime.evaluate", {
            "expression": expression, "returnByValue": True, "awaitPromise": True,
        }, timeout=timeout)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression!r} raised: {_exception_text(result)}")
        return result["result"].get("value")

    def wait_for(self, expression: str = MAPS_READY, *, timeout: float = 30.0) -> None:
        """Wait until a JavaScript expression is true (default: every map has drawn)."""
        deadline = time.monotonic() + timeout
        while not self.evaluate(expression):
            if time.monotonic() > deadline:
                raise BrowserError(f"page not ready after {timeout:.0f} s: {expression}")
            self.pipe.poll(0.05)

    def open(self, html_path: str | Path, *, ready: str = MAPS_READY,
             timeout: float = 30.0) -> None:
        """Load a local HTML file and wait until ``ready`` is true.

        Requests and console messages recorded so far are forgotten, so one
        browser can check several pages in turn.
        """
        self.url = Path(html_path).resolve().as_uri()
        self.requests, self.console, self.console_errors = [], [], []
        self._request_ids = set()
        self.send("Page.navigate", {"url": self.url})
        self.wait_for(ready, timeout=timeout)

    def settle(self, seconds: float = 0.2) -> None:
        """Let queued events (late console errors, worker requests) arrive."""
        self.pipe.poll(seconds)

    def mouse_move(self, x: float, y: float) -> None:
        """Move the mouse to viewport pixel (x, y), as a hovering user would."""
        self.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})

    def click(self, x: float, y: float) -> None:
        """Left-click at viewport pixel (x, y)."""
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {
                "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1,
            })

    def box(self, selector: str, *, relative_to: str | None = None) -> tuple[int, int, int, int]:
        """Left, top, right, bottom of an element in viewport pixels, or inside another's box.

        With ``relative_to`` (e.g. the map, for a screenshot of just the map), the
        coordinates are those of that element's screenshot.
        """
        script = ("(() => {{ const el = document.querySelector({0}); if (!el) {{ return null; }}"
                  " const r = el.getBoundingClientRect(); return [r.left, r.top, r.right,"
                  " r.bottom]; }})()")
        found = self.evaluate(script.format(json.dumps(selector)))
        if found is None:
            raise BrowserError(f"no element matches {selector!r} in {self.url}")
        left, top, right, bottom = found
        if relative_to is not None:
            origin = self.box(relative_to)
            left, top, right, bottom = (left - origin[0], top - origin[1], right - origin[0],
                                        bottom - origin[1])
        return round(left), round(top), round(right), round(bottom)

    def screenshot_png(self, selector: str | None = None) -> bytes:
        """PNG bytes of the viewport, or of one element (e.g. ``"#corredor-map"``).

        What a user sees, the WebGL canvas included. An element is first scrolled
        into view (and the maps left to finish drawing): photographing beyond the
        viewport makes Chromium resize the page, which clears a map's canvas, so
        that is done only for an element taller or wider than the viewport.
        """
        params: dict[str, Any] = {"format": "png", "fromSurface": True}
        if selector is not None:
            box = self.evaluate(
                f"(() => {{ const el = document.querySelector({json.dumps(selector)});"
                " if (!el) { return null; } el.scrollIntoView({block: 'nearest'});"
                " const r = el.getBoundingClientRect();"
                " return [r.left + scrollX, r.top + scrollY, r.width, r.height]; })()"
            )
            if box is None:
                raise BrowserError(f"no element matches {selector!r} in {self.url}")
            self.wait_for()
            x, y, width, height = box
            beyond = width > self.width or height > self.height
            params |= {"captureBeyondViewport": beyond,
                       "clip": {"x": x, "y": y, "width": width, "height": height, "scale": 1}}
        shot = self.send("Page.captureScreenshot", params)
        return base64.b64decode(shot["data"])

    def result(self, selector: str | None = None) -> RenderedPage:
        """Requests, console errors and a screenshot (of ``selector``) as the page is now."""
        png = self.screenshot_png(selector)
        self.settle()
        return RenderedPage(self.url, list(self.requests), list(self.console_errors),
                            list(self.console), png)


def _exception_text(result: dict) -> str:
    details = result["exceptionDetails"]
    exception = details.get("exception", {})
    return exception.get("description") or details.get("text", "unknown error")


def _console_message(method: str, params: dict) -> tuple[str, str] | None:
    """(level, text) of a console call, uncaught exception or browser log entry; else None.

    Levels are ``error`` (console.error/assert, exceptions, failed loads),
    ``warning`` and ``info``.
    """
    if method == "Runtime.consoleAPICalled":
        level = {"error": "error", "assert": "error", "warning": "warning"}.get(
            params.get("type"), "info")
        args = params.get("args", [])
        return level, " ".join(str(a.get("value", a.get("description", ""))) for a in args)
    if method == "Runtime.exceptionThrown":
        return "error", _exception_text(params)
    if method == "Log.entryAdded":
        entry = params["entry"]
        level = entry.get("level") if entry.get("level") in ("error", "warning") else "info"
        return level, f"{entry.get('text', '')} {entry.get('url', '')}".strip()
    return None


def count_near(image, colour: tuple[int, int, int], tolerance: int = 16, *,
               exclude: tuple[tuple[int, int, int, int], ...] = ()) -> int:
    """How many pixels of a screenshot are within ``tolerance`` of ``colour`` (each channel).

    Parameters
    ----------
    image : PIL.Image.Image
        An RGB screenshot (``RenderedPage.image``).
    colour : (int, int, int)
        The RGB colour looked for.
    tolerance : int
        Largest difference allowed in any channel.
    exclude : tuple of (left, top, right, bottom)
        Boxes left out, e.g. a map's layer panel (whose keys repeat the layers' colours).

    Returns
    -------
    int
    """
    import numpy as np

    pixels = np.asarray(image, dtype=int).copy()
    for left, top, right, bottom in exclude:
        pixels[max(top, 0):max(bottom, 0), max(left, 0):max(right, 0)] = -999
    return int((np.abs(pixels - np.array(colour)).max(axis=2) <= tolerance).sum())


def render(html_path: str | Path, *, width: int = 1000, height: int = 700,
           ready: str = MAPS_READY, timeout: float = 30.0,
           selector: str | None = None) -> RenderedPage:
    """Open a local page offline in headless Chromium and report what it did.

    Parameters
    ----------
    html_path : str or Path
        The HTML file.
    width, height : int
        Viewport size in pixels.
    ready : str
        JavaScript expression that is true once the page has drawn (default:
        every ``.corredor-map`` has reached ``idle`` or ``error``).
    timeout : float
        Seconds to wait for ``ready``.
    selector : str, optional
        CSS selector of the element to photograph (default: the viewport).

    Returns
    -------
    RenderedPage
        Requests attempted, console errors and a screenshot.
    """
    with Page(width=width, height=height) as page:
        page.open(html_path, ready=ready, timeout=timeout)
        return page.result(selector)


def screenshot(html_path: str | Path, png_path: str | Path, width: int = 1200,
               height: int = 800, *, selector: str | None = None, ready: str = MAPS_READY,
               timeout: float = 30.0) -> Path:
    """Write a PNG of a local page as headless Chromium draws it (offline).

    Parameters
    ----------
    html_path : str or Path
        The HTML file (a report, or a page made by ``corredor.outputs.webmap``).
    png_path : str or Path
        Where to write the PNG; written under a temporary name, then renamed.
    width, height : int
        Viewport size in pixels; the PNG has exactly this size unless ``selector``.
    selector : str, optional
        CSS selector of one element to photograph, e.g. ``".corredor-map"``
        for the map of a long report (scrolled to, even below the fold).
    ready, timeout
        As for :func:`render`.

    Returns
    -------
    Path
        ``png_path``.
    """
    page = render(html_path, width=width, height=height, ready=ready, timeout=timeout,
                  selector=selector)
    target = Path(png_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(page.png)
    partial.replace(target)
    return target
