"""The HTML reports open in headless Chromium with no console errors, no broken images and no
network requests (self-contained). Driven through the DevTools protocol (tornado's websocket
client); skipped with a reason when Chromium or tornado is missing."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from autograder import report
from tests.common import unavailable
from tests.test_report_fixtures import KEY_PATH, assignment_fixture, key_fixture, results_fixture  # noqa: F401

CHROMIUM = next((p for p in (os.environ.get("CHROMIUM"), shutil.which("chromium"),
                             shutil.which("chromium-browser"), shutil.which("google-chrome")) if p), None)
try:
    from tornado.websocket import websocket_connect
except ImportError:  # pragma: no cover - tornado comes with jupyter_client/ipykernel
    websocket_connect = None

pytestmark = [pytest.mark.browser]


@pytest.fixture(autouse=True)
def _browser_available() -> None:
    if CHROMIUM is None:
        unavailable("Chromium not installed (apt-get install chromium, or set CHROMIUM=/path/to/chrome)")
    if websocket_connect is None:
        unavailable("tornado (websocket client) not installed")

IMAGES_JS = """JSON.stringify({
  title: document.title,
  images: Array.from(document.images).map(i => ({ok: i.complete && i.naturalWidth > 0,
                                                w: i.naturalWidth, src: i.src.slice(0, 22)}))
})"""


class Browser:
    """One headless Chromium with remote debugging on a random port."""

    def __init__(self, user_data: Path) -> None:
        self.proc = subprocess.Popen(
            [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", "--no-default-browser-check", f"--user-data-dir={user_data}",
             "--remote-debugging-port=0", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(x) for x in self.proc.stderr or ()], daemon=True).start()
        deadline = time.monotonic() + 90
        self.ws_url = ""
        while time.monotonic() < deadline and not self.ws_url:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            if "DevTools listening on " in line:
                self.ws_url = line.split("DevTools listening on ", 1)[1].strip()
        if not self.ws_url:
            self.close()
            raise RuntimeError("Chromium did not start its DevTools endpoint")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def open(self, url: str) -> dict[str, Any]:
        return asyncio.run(asyncio.wait_for(self._open(url), timeout=120))

    async def _open(self, url: str) -> dict[str, Any]:
        assert websocket_connect is not None
        conn = await websocket_connect(self.ws_url, max_message_size=64 * 1024 * 1024)
        ids = itertools.count(1)
        events: list[dict[str, Any]] = []

        async def call(method: str, params: dict[str, Any] | None = None, session: str | None = None) -> Any:
            n = next(ids)
            msg: dict[str, Any] = {"id": n, "method": method, "params": params or {}}
            if session:
                msg["sessionId"] = session
            await conn.write_message(json.dumps(msg))
            while True:
                raw = await conn.read_message()
                if raw is None:
                    raise RuntimeError("DevTools connection closed")
                data = json.loads(raw)
                if data.get("id") == n:
                    if "error" in data:
                        raise RuntimeError(f"{method}: {data['error']}")
                    return data.get("result", {})
                events.append(data)

        target = (await call("Target.createTarget", {"url": "about:blank"}))["targetId"]
        session = (await call("Target.attachToTarget", {"targetId": target, "flatten": True}))["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            await call(f"{domain}.enable", session=session)
        await call("Page.navigate", {"url": url}, session=session)
        while not any(e.get("method") == "Page.loadEventFired" for e in events):
            raw = await conn.read_message()
            if raw is None:
                raise RuntimeError("DevTools connection closed")
            events.append(json.loads(raw))
        value = await call("Runtime.evaluate", {"expression": IMAGES_JS, "returnByValue": True},
                           session=session)
        await call("Target.closeTarget", {"targetId": target})
        conn.close()
        page = json.loads(value["result"]["value"])
        page["console_errors"] = (
            [e["params"]["entry"]["text"] for e in events
             if e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error"]
            + [str(e["params"]["args"]) for e in events
               if e.get("method") == "Runtime.consoleAPICalled"
               and e["params"]["type"] in ("error", "assert")]
            + [e["params"]["exceptionDetails"].get("text", "") for e in events
               if e.get("method") == "Runtime.exceptionThrown"])
        page["requests"] = [e["params"]["request"]["url"][:80] for e in events
                            if e.get("method") == "Network.requestWillBeSent"
                            and not e["params"]["request"]["url"].startswith(("data:", "file:"))]
        page["failed_loads"] = [e["params"].get("errorText", "") for e in events
                                if e.get("method") == "Network.loadingFailed"]
        return page


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    b = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


def test_the_checker_sees_broken_images_and_errors(tmp_path: Path, browser: Browser) -> None:
    """The harness itself: a broken image and a script error must be caught."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><head><title>bad</title></head><body>'
                    '<img src="data:image/png;base64,AAAA" alt="x"><script>nope();</script></body></html>')
    seen = browser.open(page.as_uri())
    assert seen["images"] and not seen["images"][0]["ok"]
    assert seen["console_errors"]


@pytest.mark.parametrize("who,lang,reveal", [("bruno", "pt", "never"), ("ana", "en", "always"),
                                             ("carla", "pt", "always"), ("diego", "en", "never")])
def test_student_report_opens_cleanly(tmp_path: Path, browser: Browser, results, key, assignment,
                                      who: str, lang: str, reveal: str) -> None:
    path = tmp_path / f"{who}.html"
    path.write_text(report.student_report(results[who], key, assignment, lang=lang, reveal=reveal,  # type: ignore[arg-type]
                                          fmt="html"), encoding="utf-8")
    page = browser.open(path.as_uri())
    assert page["console_errors"] == []
    assert page["requests"] == [] and page["failed_loads"] == []
    assert all(img["ok"] and img["w"] > 100 for img in page["images"]), page["images"]
    # no curves where the exercise failed: bruno's model B (ex7 error), diego's ex10 (timeout)
    assert len(page["images"]) == {"carla": 0, "diego": 3, "bruno": 3}.get(who, 4)
    assert page["title"]


def test_class_summary_opens_cleanly(tmp_path: Path, browser: Browser, results, key, assignment) -> None:
    path = tmp_path / "class_summary.html"
    path.write_text(report.class_summary(list(results.values()), key, assignment, fmt="html"),
                    encoding="utf-8")
    page = browser.open(path.as_uri())
    assert page["console_errors"] == [] and page["requests"] == []
    assert len(page["images"]) == 1 and page["images"][0]["ok"]
