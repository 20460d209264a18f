"""The review app in a real browser: headless Chromium (Debian's chromium + chromium-driver) driven by
Selenium, against the real server (uvicorn on 127.0.0.1) over a real SQLite gradebook.

A TA opens the class page with their token, filters it, opens a submission, overrides a check with a
reason, sees the new total on the class page and in the Canvas export, a second TA's override carries
their name, and the first undoes theirs; no page logs a console error. The notebook whose markdown,
outputs and name carry script and ``onerror`` payloads shows them as text and runs none. One real
regrade (``redes_densas``, smoke key: a kernel, a sandbox, ~30 s) goes from the button to a new attempt.

Screenshots are written to ``$REVIEW_SHOTS`` (default: the test's temporary folder).
Under ``CI=true`` a missing Chromium or chromedriver fails these tests instead of skipping them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import nbformat
import pytest

from autograder.assignment import load_assignment
from autograder.authoring import notebook
from autograder.gradebook import Gradebook, open_gradebook
from autograder.review.app import create_app
from autograder.review.auth import Reviewers
from autograder.review.server import Running, running
from tests.common import unavailable
from tests.test_review_data import XSS_ERROR, XSS_NAME, XSS_STREAM, build_gradebook

pytestmark = pytest.mark.browser

CHROMIUM = next(
    (
        p
        for p in (os.environ.get("CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser"))
        if p
    ),
    None,
)
CHROMEDRIVER = next(
    (
        p
        for p in (
            os.environ.get("CHROMEDRIVER"),
            shutil.which("chromedriver"),
            "/usr/lib/chromium/chromedriver",
        )
        if p and Path(p).is_file()
    ),
    None,
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--window-size=1500,1100",
)


def _need_browser() -> None:
    missing = [
        name for name, path in (("chromium", CHROMIUM), ("chromedriver", CHROMEDRIVER)) if path is None
    ]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install selenium)")
    if missing:
        message = (
            f"not installed: {', '.join(missing)} (apt-get install -y chromium chromium-driver; "
            "or set CHROMIUM / CHROMEDRIVER)"
        )
        unavailable(message)


class Browser:
    """One headless Chromium through chromedriver, with a fresh profile."""

    def __init__(self, profile: Path, shots: Path) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in (*FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
        self.driver.set_page_load_timeout(60)
        self.errors: list[str] = []
        self.shots = shots

    def get(self, url: str) -> None:
        self.driver.get(url)
        self.collect()

    def collect(self) -> list[str]:
        """Console errors (CSP violations included) since the last call, kept in ``errors``."""
        new = [e["message"] for e in self.driver.get_log("browser") if e.get("level") == "SEVERE"]
        self.errors += new
        return new

    def css(self, selector: str) -> Any:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def all(self, selector: str) -> list[Any]:
        from selenium.webdriver.common.by import By

        return list(self.driver.find_elements(By.CSS_SELECTOR, selector))

    def rows(self) -> list[str]:
        return [r.get_attribute("data-student") for r in self.all("#rv-class tbody tr[data-student]")]

    def follow(self, element: Any) -> None:
        """Click ``element`` and wait for the page it leads to."""
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.ui import WebDriverWait

        old = self.css("html")
        element.click()
        WebDriverWait(self.driver, 60).until(expected_conditions.staleness_of(old))
        WebDriverWait(self.driver, 60).until(
            lambda d: d.execute_script("return document.readyState") == "complete"
        )
        self.collect()

    def submit(self, form: Any) -> None:
        self.follow(form.find_element("css selector", "button[type=submit]"))

    def cookies(self) -> dict[str, str]:
        return {c["name"]: c["value"] for c in self.driver.get_cookies()}

    def shot(self, name: str) -> Path:
        """A screenshot of the whole page."""
        folder = Path(os.environ.get("REVIEW_SHOTS") or self.shots)
        folder.mkdir(parents=True, exist_ok=True)
        height = int(self.driver.execute_script("return document.documentElement.scrollHeight"))
        self.driver.set_window_size(1500, min(max(height, 900), 7000))
        path = folder / f"{name}.png"
        self.driver.save_screenshot(str(path))
        self.driver.set_window_size(1500, 1100)
        return path

    def close(self) -> None:
        self.driver.quit()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    _need_browser()
    b = Browser(tmp_path_factory.mktemp("chromium-profile"), tmp_path_factory.mktemp("shots"))
    yield b
    b.close()


@pytest.fixture(scope="module")
def review(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, Gradebook, Reviewers]]:
    _need_browser()
    gb = build_gradebook(tmp_path_factory.mktemp("class") / "gradebook.sqlite")
    reviewers = Reviewers.for_names(["maria", "joao"])
    app = create_app(gb, reviewers=reviewers, lang="en", regrade=False)
    with running(app) as server:
        yield server, gb, reviewers
    gb.close()


# elements and attributes that could run or load something
NOTHING_ACTIVE = (
    "return document.querySelectorAll('script, iframe, object, embed, svg, style, link[rel=import], "
    '[onerror], [onload], [onmouseover], [onclick], a[href^="javascript"], '
    'img[src]:not([src^="data:"])\').length'
)


def _login(b: Browser, server: Running, reviewers: Reviewers, who: str, path: str = "/") -> None:
    b.driver.delete_all_cookies()
    b.get(f"{server.url}{path}?token={reviewers.tokens[who]}")


def _canvas(server: Running, b: Browser) -> dict[str, str]:
    """The Canvas export as the browser's session downloads it: SIS User ID -> points."""
    r = httpx.get(f"{server.url}/export/canvas.csv", cookies=b.cookies())
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    return {row[2]: row[5] for row in rows[2:]}


def _total(b: Browser, student: str) -> str:
    return str(b.css(f'#rv-class tr[data-student="{student}"] td.rv-total').get_attribute("data-total"))


def test_a_ta_filters_overrides_exports_and_undoes(browser: Browser, review: Any) -> None:
    from selenium.webdriver.support.ui import Select

    server, gb, reviewers = review
    b = browser
    b.driver.delete_all_cookies()
    b.get(server.url + "/")
    assert "token" in b.css("#rv-message").text  # no token, no page
    b.collect()  # the 403 itself is logged as a failed load: not a page error
    b.errors.clear()

    _login(b, server, reviewers, "maria")
    assert "token=" not in b.driver.current_url  # the token leaves the address bar at once
    assert b.css("#rv-ta").text.endswith("maria")
    assert len(b.rows()) == 8
    b.shot("class-page")

    # filter: needs review; then a misconception; then an exercise
    b.css("#rv-filter-review").click()
    b.submit(b.css("#rv-filters"))
    assert set(b.rows()) == {"1001", "1002", "1003", "1004", "1005", "1006", "1007"}
    Select(b.css("#rv-filter-misconception")).select_by_value("hinge_01_labels")
    b.submit(b.css("#rv-filters"))
    assert b.rows() == ["1002"]
    b.get(server.url + "/?exercise=ex10")  # who lost points in ex10: the timeout and the invalid submission
    assert b.rows() == ["1003", "1004"]
    Select(b.css("#rv-filter-status")).select_by_value("timeout")
    b.submit(b.css("#rv-filters"))
    assert b.rows() == ["1004"]
    b.get(server.url + "/?sort=total")
    totals = [float(_total(b, s)) if _total(b, s) != "—" else -1 for s in b.rows()]
    assert totals == sorted(totals, key=lambda x: (x == -1, x))

    # a submission: cells beside checks; override a check with a reason
    b.get(server.url + "/")
    before = _total(b, "1002")
    b.follow(b.css('#rv-class tr[data-student="1002"] a.rv-student'))
    assert b.css("#rv-total").text == before
    ex1 = b.css("section#ex1")
    assert ex1.find_elements("css selector", ".rv-cells .rv-cell")  # the student's cells of ex1 ...
    assert ex1.find_elements(
        "css selector", '.rv-checks tr[data-check="ex1.loss_hi"]'
    )  # ... beside its checks
    assert b.all("section#ex8 img.rv-plot") and not b.all("section#ex7 img.rv-plot")  # ex7 raised: no curves
    b.shot("submission-page")
    b.css('section#ex1 tr[data-check="ex1.loss_hi"] details.rv-override-box summary').click()
    form = b.css('form.rv-override-form[data-check="ex1.loss_hi"]')
    form.find_element("name", "points").send_keys("1")
    form.find_element("name", "why").send_keys("hinge with labels -1/1 is what the sheet's code computed")
    b.submit(form)
    assert b.all("#rv-total"), b.css("body").text
    after = b.css("#rv-total").text
    assert float(after) == float(before) + 1
    assert "maria" in b.css('section#ex1 tr[data-check="ex1.loss_hi"] .rv-override').text
    assert "maria" in b.css(".rv-flash").text

    b.get(server.url + "/")
    assert _total(b, "1002") == after
    assert float(_canvas(server, b)["1002"]) == float(after)

    # a second TA with their own token: their name goes on their override
    _login(b, server, reviewers, "joao", "/s/1002")
    b.css("section#ex2 .rv-checks > details.rv-override-box summary").click()
    form = b.css('section#ex2 form.rv-override-form[data-check=""]')
    form.find_element("name", "points").send_keys("5")
    form.find_element("name", "why").send_keys("two letters defensible")
    b.submit(form)
    history = gb.history("1002", "cnn_treinamento")
    assert [(o.target, o.who) for o in history.overrides] == [("ex1:ex1.loss_hi", "maria"), ("ex2", "joao")]
    assert float(b.css("#rv-total").text) == float(after) + 5

    # maria undoes hers: the total drops by 1, on the class page and in the export
    _login(b, server, reviewers, "maria", "/s/1002")
    mine = next(o for o in history.overrides if o.who == "maria")
    undo = b.css(f'#rv-overrides tr[data-override="{mine.id}"] form.rv-undo')
    undo.find_element("name", "why").send_keys("the rubric says 0/1 labels get no credit")
    b.submit(undo)
    b.get(server.url + "/")
    assert float(_total(b, "1002")) == float(before) + 5
    assert float(_canvas(server, b)["1002"]) == float(before) + 5
    undone = next(o for o in gb.history("1002", "cnn_treinamento").overrides if o.id == mine.id)
    assert not undone.active and undone.undone_by == "maria"

    # the next submission needing review, then the side-by-side near-duplicates
    b.get(server.url + "/s/1001")
    b.follow(b.css("#rv-next-review"))
    assert "/s/1002" in b.driver.current_url
    b.get(server.url + "/")
    b.follow(b.css("#rv-duplicates a.rv-pair"))
    assert len(b.all(".rv-pair-grid .rv-cells")) == 2
    b.shot("near-duplicates")
    assert b.errors == []


def test_the_xss_notebook_runs_nothing(browser: Browser, review: Any) -> None:
    server, _, reviewers = review
    b = browser
    _login(b, server, reviewers, "maria", "/s/1008")
    b.errors.clear()
    b.get(server.url + "/s/1008")
    assert b.driver.execute_script("return typeof window.__xss") == "undefined"
    page = b.css("body").text
    assert XSS_STREAM.strip() in page  # a printed <script> is text on the page
    assert "visible output" in page  # the harmless part of the HTML output is still shown
    assert XSS_NAME in b.css("#rv-head h1").text  # the name, escaped
    assert XSS_ERROR in page
    assert b.driver.execute_script(NOTHING_ACTIVE) == 0
    b.css('section#ex1 tr[data-check="ex1.y_hat"] details.rv-override-box summary').click()  # still usable
    assert b.driver.execute_script("return typeof window.__xss") == "undefined"
    b.get(server.url + "/report/1008")  # the student's own report, too
    assert b.driver.execute_script("return typeof window.__xss") == "undefined"
    b.get(server.url + "/")
    assert b.driver.execute_script("return typeof window.__xss") == "undefined"
    b.get(server.url + "/s/1008")
    b.shot("xss-submission")
    assert b.errors == []


@pytest.mark.kernel
@pytest.mark.training
def test_a_regrade_from_the_page_grades_for_real(browser: Browser, tmp_path: Path, keras_home: Path) -> None:
    """A grader error on a real notebook, regraded from the button: queued, progress, a new attempt."""
    a = load_assignment("redes_densas")
    key = a.key_path("smoke")
    nb = nbformat.writes(notebook(a, "solution", "smoke")).encode()
    sha = hashlib.sha256(nb).hexdigest()
    gb = open_gradebook(tmp_path / "gradebook.sqlite")
    failed = {
        "schema": "dl-autograder/result",
        "schema_version": 2,
        "submission_path": "subs/2001.ipynb",
        "submission_sha256": sha,
        "student": {"id": "2001", "name": "Hana Sato", "email": "", "source": "plain"},
        "status": "grader_error",
        "score": 0.0,
        "max_score": a.contract.max_score,
        "exercises": [],
        "graded_at": "2024-06-01T12:00:00+00:00",
        "grader_version": "0.1.0",
        "environment": {},
        "key": {"sha256": "", "path": str(key)},
        "sandbox": {},
        "assignment": a.identity(),
        "restored_cells": [],
        "messages": ["The grader failed on this submission: worker died."],
    }
    gb.record(json.dumps(failed), notebook=nb, source_file="subs/2001.ipynb")
    reviewers = Reviewers.for_names(["maria"])
    app = create_app(
        gb, assignment=a, reviewers=reviewers, lang="en", key_path=key, work_dir=tmp_path / "work"
    )
    try:
        with running(app) as server:
            b = browser
            _login(b, server, reviewers, "maria", "/")
            assert b.rows() == ["2001"] and _total(b, "2001") == "—"
            b.get(server.url + "/s/2001")
            b.follow(b.css("#rv-regrade"))
            seen = set()
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                state = b.css("#rv-regrade-state").get_attribute("data-state")
                seen.add(state)
                if state in ("done", "failed"):
                    break
                time.sleep(1)  # the page refreshes itself
                b.collect()
            assert state == "done", b.css("#rv-regrade-state").text
            assert seen & {"queued", "running"}  # progress was shown before the end
            assert [r.get_attribute("data-state") for r in b.all("#rv-regrade-exercises tbody tr")] == [
                "done"
            ] * 5
            b.shot("regrade")
            b.follow(b.css("#rv-regrade-back"))
            assert b.css("#rv-total").text == "50"
            assert b.errors == []
        grade = gb.latest(a.name, "2001")[0]
        assert grade.result.score == 50 and grade.attempt.origin == "review"
        assert len(gb.history("2001", a.name).attempts) == 2
    finally:
        gb.close()
