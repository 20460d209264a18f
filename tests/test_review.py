"""The review app without a browser: tokens, cookies, CSRF, headers, overrides, comments, undo, the
class page's filters, the sanitizer, the view functions and the regrade queue's failures (the real
regrade and the browser run are in test_review_browser.py)."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():  # starlette would rather have httpx2; httpx is what it runs on here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from autograder.gradebook import Gradebook, open_gradebook
from autograder.i18n import translate
from autograder.review import views
from autograder.review.app import create_app
from autograder.review.auth import Reviewers
from autograder.review.notebook import render, sanitize
from autograder.review.records import class_entries, neighbours
from autograder.review.regrade import RegradeQueue
from tests.common import CNN, REPO
from tests.test_review_data import (
    STUDENTS,
    XSS_HTML_OUTPUT,
    XSS_MARKDOWN,
    build_gradebook,
    notebook_for,
    result_for,
)

HOST = "http://127.0.0.1:8765"


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gradebook]:
    gb = build_gradebook(tmp_path_factory.mktemp("review") / "gradebook.sqlite")
    yield gb
    gb.close()


@pytest.fixture()
def fresh(tmp_path: Path) -> Iterator[Gradebook]:
    """A gradebook of its own, for tests that change it."""
    gb = build_gradebook(tmp_path / "gradebook.sqlite", ("1001", "1002", "1006"))
    yield gb
    gb.close()


def _app(gb: Gradebook) -> Any:
    return create_app(
        gb, reviewers=Reviewers({"tok-maria": "maria", "tok-joao": "joao"}), lang="en", regrade=False
    )


@pytest.fixture(scope="module")
def shared(book: Gradebook) -> Any:
    """One app over the shared class (its caches too), for the tests that change nothing."""
    return _app(book)


def _client(app_or_gb: Any) -> TestClient:
    app = _app(app_or_gb) if isinstance(app_or_gb, Gradebook) else app_or_gb
    return TestClient(app, base_url=HOST)


def _login(c: TestClient, token: str = "tok-maria") -> None:
    r = c.get(f"/?token={token}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


# ---- who may do what ---------------------------------------------------------------------------------


def test_every_request_needs_a_token_then_a_cookie(shared: Any) -> None:
    with _client(shared) as c:
        for path in ("/", "/s/1001", "/static/review.css", "/export/canvas.csv", "/report/1001"):
            assert c.get(path).status_code == 403, path
        assert c.get("/?token=guess").status_code == 403
        r = c.get("/s/1001?token=tok-maria&x=1", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/s/1001?x=1"  # the token leaves the URL
        cookie = r.headers["set-cookie"]
        assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
        assert c.get("/s/1001").status_code == 200  # the cookie now
        assert "maria" in c.get("/").text
    with _client(shared) as c:  # a script: the token in a header, no cookie (a new client: no cookie)
        assert c.get("/export/canvas.csv", headers={"Authorization": "token tok-joao"}).status_code == 200
        assert c.get("/export/canvas.csv").status_code == 403


def test_posts_need_this_sessions_csrf_token_and_origin(fresh: Gradebook) -> None:
    app = _app(fresh)
    with _client(app) as c, _client(app) as other:
        _login(c)
        _login(other, "tok-joao")
        token = _csrf(c.get("/s/1002").text)
        theirs = _csrf(other.get("/s/1002").text)
        form = {"student": "1002", "exercise": "ex2", "points": "5", "why": "fair"}
        assert c.post("/override", data=form).status_code == 403  # no token
        assert c.post("/override", data={**form, "csrf": theirs}).status_code == 403  # another session's
        assert (
            c.post(
                "/override", data={**form, "csrf": token}, headers={"Origin": "http://evil.example"}
            ).status_code
            == 403
        )
        assert fresh.history("1002", CNN.name).overrides == ()
        r = c.post(
            "/override", data={**form, "csrf": token}, headers={"Origin": HOST}, follow_redirects=False
        )
        assert r.status_code == 303 and r.headers["location"] == "/s/1002#ex2"
        assert [o.who for o in fresh.history("1002", CNN.name).overrides] == ["maria"]


def test_headers_forbid_scripts_framing_and_other_hosts(shared: Any) -> None:
    with _client(shared) as c:
        _login(c)
        r = c.get("/s/1008")
        csp = r.headers["content-security-policy"]
        assert "script-src" not in csp and "default-src 'none'" in csp  # no script source at all
        assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
        assert c.get("/", headers={"Host": "attacker.example:8765"}).status_code == 400  # DNS rebinding


# ---- changes ---------------------------------------------------------------------------------------


def test_override_comment_undo_show_in_the_page_report_and_exports(fresh: Gradebook) -> None:
    with _client(fresh) as c:
        _login(c)
        page = c.get("/s/1002").text
        token = _csrf(page)
        before = float(re.search(r'id="rv-total">([^<]+)<', page).group(1))  # type: ignore[union-attr]
        base = {"csrf": token, "student": "1002"}
        # refused: no reason, not a number, more than the check is worth
        c.post(
            "/override", data={**base, "exercise": "ex1", "check": "ex1.loss_hi", "points": "1", "why": " "}
        )
        c.post(
            "/override", data={**base, "exercise": "ex1", "check": "ex1.loss_hi", "points": "um", "why": "x"}
        )
        page = c.post(
            "/override", data={**base, "exercise": "ex1", "check": "ex1.loss_hi", "points": "7", "why": "x"}
        ).text
        assert "outside 0..1" in page and fresh.history("1002", CNN.name).overrides == ()
        page = c.post(
            "/override",
            data={
                **base,
                "exercise": "ex1",
                "check": "ex1.loss_hi",
                "points": "1",
                "why": "labels -1/1 as the sheet's code",
            },
        ).text
        assert float(re.search(r'id="rv-total">([^<]+)<', page).group(1)) == before + 1  # type: ignore[union-attr]
        c.post("/comment", data={**base, "exercise": "ex1", "text": "Look at the labels <b>again</b>."})
        report = c.get("/report/1002").text
        assert (
            "labels -1/1 as the sheet" in report and "Look at the labels &lt;b&gt;again&lt;/b&gt;." in report
        )
        canvas = {row[2]: row[5] for row in csv.reader(io.StringIO(c.get("/export/canvas.csv").text))}
        assert float(canvas["1002"]) == before + 1
        checks = c.get("/export/checks.csv").text
        assert "ex1.loss_hi" in checks
        o = fresh.history("1002", CNN.name).overrides[0]
        c.post("/undo", data={**base, "override": str(o.id), "why": "rubric"})
        assert c.post("/undo", data={**base, "override": str(o.id)}).status_code == 200  # refused, said
        undone = fresh.history("1002", CNN.name).overrides[0]
        assert undone.undone_by == "maria" and undone.undo_why == "rubric"
        page = c.get("/s/1002").text
        assert float(re.search(r'id="rv-total">([^<]+)<', page).group(1)) == before  # type: ignore[union-attr]
        assert "undone by maria" in page
        canvas = {row[2]: row[5] for row in csv.reader(io.StringIO(c.get("/export/canvas.csv").text))}
        assert float(canvas["1002"]) == before


def test_a_grader_error_is_listed_without_override_forms(fresh: Gradebook) -> None:
    with _client(fresh) as c:
        _login(c)
        page = c.get("/").text
        assert 'data-student="1006"' in page and "grader error" in page
        sub = c.get("/s/1006").text
        assert "rv-override-form" not in sub and "worker died" in sub
        assert c.get("/s/9999").status_code == 404


# ---- the class page ---------------------------------------------------------------------------------


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-student="([^"]+)"', html)


def test_filters_and_sorts(shared: Any) -> None:
    with _client(shared) as c:
        _login(c)
        assert len(_rows(c.get("/").text)) == 8
        assert _rows(c.get("/?review=1").text) == ["1001", "1002", "1003", "1004", "1005", "1006", "1007"]
        assert _rows(c.get("/?flag=duplicate").text) == ["1001", "1007"]
        assert _rows(c.get("/?flag=consistency").text) == ["1005"]
        assert _rows(c.get("/?misconception=lr_keyword").text) == ["1002"]
        assert _rows(c.get("/?status=grader_error").text) == ["1006"]
        assert _rows(c.get("/?exercise=ex7&status=error").text) == ["1002"]
        totals = _rows(c.get("/?sort=total&desc=1").text)
        assert totals[-1] == "1006" and totals.index("1002") > totals.index("1001")
        assert _rows(c.get("/?exercise=nonsense&sort=nonsense").text)  # unknown values are dropped
        r = c.get("/next?after=1002", follow_redirects=False)
        assert r.headers["location"] == "/s/1003"


def test_query_links_keep_the_other_filters() -> None:
    q = views.Query(exercise="ex7", needs_review=True, sort="total")
    assert q.href(sort="ex7") == "/?exercise=ex7&review=1&sort=ex7"
    assert views.parse_query(
        {"exercise": "ex7", "review": "1", "sort": "ex7", "desc": "1"}, ["ex7"]
    ) == views.Query(exercise="ex7", needs_review=True, sort="ex7", descending=True)


def test_neighbours_wrap_around() -> None:
    order = ["a", "b", "c", "d"]
    assert neighbours(order, "b", ["a", "d"]) == ("a", "d")
    assert neighbours(order, "d", ["a", "b"]) == ("b", "a")
    assert neighbours(order, "a", ["a"]) == (None, None)


def test_flags_say_why_a_submission_needs_review(book: Gradebook) -> None:
    entries = {e.id: e for e in class_entries(book, CNN.name)}
    assert set(entries) == set(STUDENTS)  # every student, the one with only a grader error included

    def kinds(s: str) -> set[str]:
        return {f.kind for f in views.entry_flags(entries[s], [], {}, "en")}

    assert kinds("1002") == {"crash"} and kinds("1004") == {"timeout"} and kinds("1005") == {"consistency"}
    assert kinds("1006") == {"grader_error"} and kinds("1003") == {"invalid"} and kinds("1001") == set()
    assert entries["1004"].late and not entries["1001"].late


def test_drift_is_flagged_only_for_a_letter_that_lost_points() -> None:
    r = result_for("1002")
    ex2 = next(e for e in r.exercises if e.id == "ex2")
    drifted = {**r.key, "drift": {"ex2": "does_not_hold"}}
    import dataclasses

    flagged = views.flags(dataclasses.replace(r, key=drifted), [], {}, "1002", "en")
    assert any(f.kind == "drift" and f.exercise == "ex2" for f in flagged)
    ok = dataclasses.replace(
        r,
        key=drifted,
        exercises=tuple(
            dataclasses.replace(
                e, checks=tuple(dataclasses.replace(c, points=c.max_points) for c in e.checks)
            )
            if e is ex2
            else e
            for e in r.exercises
        ),
    )
    assert not any(f.kind == "drift" for f in views.flags(ok, [], {}, "1002", "en"))


# ---- student content -----------------------------------------------------------------------------------


def test_the_sanitizer_keeps_text_and_drops_anything_active() -> None:
    dirty = (
        XSS_MARKDOWN
        + XSS_HTML_OUTPUT
        + '<a href="https://example.org/x">ok</a><img src="data:image/png;base64,AAAA">'
    )
    clean = sanitize(dirty)
    for bad in (
        "<script",
        "onerror",
        "onmouseover",
        "onload",
        "<svg",
        "<iframe",
        "<style",
        "javascript:",
        'src="x"',
        "rv-flash",
        "notice",
    ):
        assert bad not in clean, bad
    assert "visible output" in clean and 'href="https://example.org/x"' in clean and "nofollow" in clean
    assert 'src="data:image/png;base64,AAAA"' in clean


def test_a_notebook_renders_cell_by_cell_with_exercises_and_roles() -> None:
    nb = render(notebook_for("1002"))
    assert not nb.problem and nb.cells[0].exercise == "intro"
    added = [c for c in nb.cells if c.role == "added"]
    assert len(added) == 1 and added[0].exercise == "ex1" and "my own cell" in added[0].html
    assert {c.role for c in nb.of("ex1")} >= {"text", "given", "answer", "letter"}
    broken = render(b"{not json")
    assert broken.cells == () and broken.problem


# ---- regrade failures (the real regrade is in the browser test) ------------------------------------------


def test_a_regrade_without_the_notebook_fails_and_says_why(tmp_path: Path) -> None:
    gb = open_gradebook(tmp_path / "gradebook.sqlite")
    gb.record(result_for("1001").to_json())  # as `gradebook import` records it: no notebook
    queue = RegradeQueue(gb, CNN, lambda sha: CNN.key_path("smoke"), work_dir=tmp_path / "work")
    try:
        job = queue.submit("1001", "maria")
        assert queue.submit("1001", "joao") == job  # one pending regrade per student
        deadline = time.monotonic() + 30
        while not queue.status(job).finished and time.monotonic() < deadline:  # type: ignore[union-attr]
            time.sleep(0.1)
        status = queue.status(job)
        assert (
            status is not None
            and status.state == "failed"
            and "does not hold this notebook" in str(status.message)
            and "não guarda este caderno"
            in translate("review_regrade_failed_because", "pt", reason=status.message)
        )
        assert len(gb.history("1001", CNN.name).attempts) == 1
    finally:
        queue.close()
        gb.close()


def test_the_command_refuses_a_missing_gradebook(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "autograder", "review", "--gradebook", str(tmp_path / "no.sqlite")],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert r.returncode == 11 and "No gradebook" in r.stderr
