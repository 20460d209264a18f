"""The review web app (Starlette): ``create_app(gradebook, ...)``.

    GET  /                        the class page (filters and sort in the query string)
    GET  /s/<student>             a submission: cells beside checks, overrides, comments, regrade
    GET  /pair?exercise=&a=&b=    two near-identical answers side by side
    GET  /next?after=<student>    the next submission needing review
    GET  /report/<student>        the student's report as the student will read it
    GET  /export/canvas.csv       the Canvas import CSV of the latest grades (overrides applied)
    GET  /export/checks.csv       every check of every student
    GET  /regrade/<job>           a queued regrade's progress (refreshes itself until done)
    POST /override /undo /comment /regrade

Every request needs a reviewer's token or session (``auth``); every POST its CSRF token. Pages
carry no script at all, and the Content-Security-Policy allows none; student content is escaped
by the templates or sanitized (``notebook``). Changes go to the gradebook with the TA's name.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
import markupsafe
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from autograder import plots, report, templating
from autograder.assignment import Assignment, load_assignment
from autograder.gradebook import Gradebook, History, NotFound, OverrideError
from autograder.i18n import Msg, msg, translate
from autograder.keymodel import AnswerKey, key_sha256, load_key
from autograder.review import auth, duplicates, records, views
from autograder.review.notebook import RenderedNotebook, notebook_json, render
from autograder.review.regrade import JobStatus, RegradeQueue

# No script may run: none of ours (there is none) and none of a student's.
CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# The student's report is a self-contained file with inline styles (never scripts).
CSP_REPORT = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'none'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
NOTEBOOK_CACHE = 24
REFRESH_S = 2


def _pygments_css() -> str:
    try:
        from pygments.formatters import HtmlFormatter

        return str(HtmlFormatter(style="default").get_style_defs(".highlight"))
    except Exception:  # pygments missing: code is shown without colours
        return ""


def _code(value: Any) -> markupsafe.Markup:
    """Escaped text with the catalogue's `code spans` as <code> (as the student report shows them)."""
    import re

    escaped = str(markupsafe.escape(str(value)))
    return markupsafe.Markup(re.sub(r"`([^`\n]+)`", r"<code>\1</code>", escaped))


def _environment() -> jinja2.Environment:
    env = templating.environment(autoescape=True)
    env.filters["code"] = _code
    env.filters["data_uri"] = plots.data_uri
    env.filters["pct"] = lambda x: f"{100 * float(x):.0f}%"
    env.filters["trusted_html"] = markupsafe.Markup  # only for HTML that went through notebook.sanitize
    return env


@dataclass(frozen=True)
class Settings:
    lang: str
    key_path: Path | None  # None: the committed key whose sha256 the attempt records (else full)


class ReviewState:
    """Everything the app holds: the gradebook, the assignment, the reviewers, caches, the queue."""

    def __init__(
        self,
        gradebook: Gradebook,
        assignment: Assignment,
        reviewers: auth.Reviewers,
        settings: Settings,
        regrades: RegradeQueue | None,
    ) -> None:
        self.gradebook = gradebook
        self.assignment = assignment
        self.reviewers = reviewers
        self.settings = settings
        self.regrades = regrades
        self.env = _environment()
        self._lock = threading.Lock()
        self._notebooks: OrderedDict[str, RenderedNotebook] = OrderedDict()
        self._prints: dict[str, dict[str, duplicates.Fingerprint]] = {}
        self._keys: dict[str, AnswerKey | None] = {}
        self._templates: dict[str, str] | None = None
        self._summary: tuple[tuple[Any, ...], report.SummaryView] | None = None

    @property
    def lang(self) -> str:
        return self.settings.lang

    # -- keys ------------------------------------------------------------------------------------
    def key_path_for(self, sha: str) -> Path:
        if self.settings.key_path is not None:
            return self.settings.key_path
        for profile in self.assignment.profile_names:
            path = self.assignment.key_path(profile)
            if sha and path.is_file() and key_sha256(path) == sha:
                return path
        return self.assignment.key_path("full")

    def key_for(self, sha: str) -> AnswerKey | None:
        with self._lock:
            if sha in self._keys:
                return self._keys[sha]
        path = self.key_path_for(sha)
        try:
            key: AnswerKey | None = load_key(path)
        except Exception:  # plots without the key's bands; the page still opens
            key = None
        with self._lock:
            self._keys[sha] = key
        return key

    # -- notebooks ---------------------------------------------------------------------------------
    def notebook(self, sha: str) -> RenderedNotebook | None:
        with self._lock:
            if sha in self._notebooks:
                self._notebooks.move_to_end(sha)
                return self._notebooks[sha]
        raw = self.gradebook.notebook(sha)
        if raw is None:
            return None
        rendered = render(raw)
        with self._lock:
            self._notebooks[sha] = rendered
            while len(self._notebooks) > NOTEBOOK_CACHE:
                self._notebooks.popitem(last=False)
        return rendered

    def _template_codes(self) -> dict[str, str]:
        if self._templates is None:
            try:
                from autograder.authoring import notebook as blank

                nb = blank(self.assignment, "student", self.assignment.profile_names[0])
                self._templates = duplicates.template_codes(dict(nb))
            except Exception:  # an assignment without an authored source: no template to discount
                self._templates = {}
        return self._templates

    def pairs(self, entries: list[records.Entry]) -> list[duplicates.DuplicatePair]:
        templates = self._template_codes()
        prints = {}
        for e in entries:
            sha = e.submission.sha256
            with self._lock:
                fp = self._prints.get(sha)
            if fp is None:
                raw = self.gradebook.notebook(sha)
                nb = notebook_json(raw) if raw is not None else None
                fp = duplicates.fingerprints(nb, templates) if nb is not None else {}
                with self._lock:
                    self._prints[sha] = fp
            prints[e.id] = fp
        return duplicates.near_duplicates(prints)

    def summary(self, entries: list[records.Entry]) -> report.SummaryView:
        graded = [e.result for e in entries if e.grade is not None]
        stamp = tuple((e.id, e.newest.id, e.result.score) for e in entries)
        with self._lock:
            if self._summary is not None and self._summary[0] == stamp:
                return self._summary[1]
        key = self.key_for(entries[0].newest.key_sha256) if entries else None
        view = report.summary_view(graded, key, self.assignment, lang=self.lang)
        with self._lock:
            self._summary = (stamp, view)
        return view

    def class_data(self) -> tuple[list[records.Entry], list[duplicates.DuplicatePair]]:
        entries = records.class_entries(self.gradebook, self.assignment.name)
        return entries, self.pairs(entries)

    def render(self, name: str, **context: Any) -> str:
        return self.env.get_template(f"review/{name}").render(**context)


# ---- requests ----------------------------------------------------------------------------------


def _state(request: Request) -> ReviewState:
    state: ReviewState = request.app.state.review
    return state


def _session(request: Request) -> auth.Session:
    session: auth.Session = request.state.session
    return session


def _page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    st = _state(request)
    signed_in = hasattr(request.state, "session")
    html = st.render(
        template,
        t=lambda mid, **kw: translate(mid, st.lang, **kw),
        lang=st.lang,
        ta=_session(request).ta if signed_in else "",
        flash=_flash(request) if signed_in else [],
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def _message(request: Request, status_code: int, message_id: str, **params: Any) -> HTMLResponse:
    st = _state(request)
    return _page(
        request, "message.html.j2", status_code=status_code, message=translate(message_id, st.lang, **params)
    )


def _flash(request: Request) -> list[tuple[str, str]]:
    session = _session(request)
    out, session.flash[:] = list(session.flash), []
    return out


def _say(request: Request, kind: str, message_id: str, **params: Any) -> None:
    _session(request).flash.append((kind, translate(message_id, _state(request).lang, **params)))


def _reason(exc: Exception, lang: str) -> str:
    """Why the gradebook refused a change, in the page's language (``NotFound``, ``OverrideError``
    and ``Refused`` carry a ``msg``; any other error its own text)."""
    said = getattr(exc, "msg", None)
    return said.text(lang) if isinstance(said, Msg) else str(exc)


def _back(student: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(views.student_href(student) + (f"#{anchor}" if anchor else ""), status_code=303)


class AuthMiddleware(BaseHTTPMiddleware):
    """A reviewer's token (query ``token`` or ``Authorization: token …``) or session cookie on every
    request; security headers on every response."""

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        st = _state(request)
        cookie = auth.cookie_name(request.url.port)
        token = request.query_params.get("token")
        response: Response
        if token is not None:
            session = st.reviewers.login(token)
            if session is None:
                response = _forbidden(request)
            else:
                rest = {k: v for k, v in request.query_params.multi_items() if k != "token"}
                target = request.url.path + ("?" + urlencode(rest) if rest else "")
                response = RedirectResponse(target, status_code=303)
                response.set_cookie(cookie, session.id, httponly=True, samesite="strict", path="/")
            return _secure(response)
        header = request.headers.get("authorization", "")
        session = (
            st.reviewers.ephemeral(header[6:].strip())
            if header.lower().startswith("token ")
            else st.reviewers.session(request.cookies.get(cookie))
        )
        if session is None:
            return _secure(_forbidden(request))
        request.state.session = session
        if request.method == "POST":
            origin = request.headers.get("origin")
            if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
                return _secure(_message(request, 403, "review_csrf_failed"))
        response = await call_next(request)
        return _secure(response, CSP_REPORT if request.url.path.startswith("/report/") else CSP)


def _forbidden(request: Request) -> HTMLResponse:
    return _message(request, 403, "review_need_token")


def _secure(response: Response, csp: str = CSP) -> Response:
    response.headers["Content-Security-Policy"] = csp
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"  # "no-referrer" would make Origin "null"
    response.headers["Cache-Control"] = "no-store"
    return response


async def _form(request: Request) -> dict[str, str]:
    """The POST's fields, after its CSRF token was checked (403 otherwise)."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    if not auth.csrf_ok(_session(request), fields.get("csrf")):
        from starlette.exceptions import HTTPException

        raise HTTPException(403, "csrf")
    return fields


# ---- pages ----------------------------------------------------------------------------------------


def class_page(request: Request) -> Response:
    st = _state(request)
    entries, pairs = st.class_data()
    exercises = [e.id for e in st.assignment.contract.exercises]
    query = views.parse_query(dict(request.query_params), exercises)
    view = views.class_view(
        entries,
        pairs,
        st.assignment,
        None,
        query,
        lang=st.lang,
        ta=_session(request).ta,
        summary=st.summary(entries),
    )
    return _page(request, "class.html.j2", v=view)


def _regrade_link(st: ReviewState, student: str) -> views.RegradeLink | None:
    if st.regrades is None:
        return None
    job = st.regrades.latest_for(student)
    if job is None:
        return None
    return views.RegradeLink(job.id, f"/regrade/{job.id}", translate(f"review_regrade_{job.state}", st.lang))


def _student_entry(request: Request,
                   st: ReviewState) -> tuple[str, records.Entry, History] | Response:
    """The student the path names, with their entry and history; else the 404 page."""
    student = request.path_params["student"]
    found = records.student_entry(st.gradebook, st.assignment.name, student)
    if found is None:
        return _message(request, 404, "review_no_student", student=student)
    return (student, *found)


def submission_page(request: Request) -> Response:
    st = _state(request)
    found = _student_entry(request, st)
    if isinstance(found, Response):
        return found
    student, entry, history = found
    entries, pairs = st.class_data()
    names = {e.id: e.name for e in entries}
    rows = views.select(views.class_rows(entries, pairs, st.assignment, st.lang), views.Query())
    prev, nxt = records.neighbours(
        [r.student for r in rows], student, [r.student for r in rows if r.needs_review]
    )
    view = views.submission_view(
        entry,
        history,
        st.notebook(entry.submission.sha256),
        pairs,
        names,
        st.assignment,
        st.key_for(entry.newest.key_sha256),
        lang=st.lang,
        ta=_session(request).ta,
        csrf=_session(request).csrf,
        prev=prev,
        nxt=nxt,
        regrade=_regrade_link(st, student),
    )
    return _page(request, "submission.html.j2", v=view, can_regrade=st.regrades is not None)


def pair_page(request: Request) -> Response:
    st = _state(request)
    q = request.query_params
    entries, pairs = st.class_data()
    pair = next(
        (p for p in pairs if p.exercise == q.get("exercise") and {p.a, p.b} == {q.get("a"), q.get("b")}), None
    )
    if pair is None:
        return _message(request, 404, "review_no_pair")
    by_id = {e.id: e for e in entries}
    left, right = by_id[pair.a], by_id[pair.b]
    view = views.pair_view(
        pair,
        (left, st.notebook(left.submission.sha256)),
        (right, st.notebook(right.submission.sha256)),
        st.assignment,
        st.lang,
    )
    return _page(request, "pair.html.j2", v=view)


def next_page(request: Request) -> Response:
    st = _state(request)
    entries, pairs = st.class_data()
    rows = views.select(views.class_rows(entries, pairs, st.assignment, st.lang), views.Query())
    wanted = [r.student for r in rows if r.needs_review]
    current = request.query_params.get("after", "")
    _, nxt = records.neighbours([r.student for r in rows], current, wanted)
    if nxt is None and wanted and current not in wanted:
        nxt = wanted[0]
    if nxt is None:
        _say(request, "notice", "review_none_to_review")
        return RedirectResponse("/", status_code=303)
    return RedirectResponse(views.student_href(nxt), status_code=303)


def report_page(request: Request) -> Response:
    """The report the student will get: reveal rules of a student, overrides and comments in it."""
    st = _state(request)
    found = _student_entry(request, st)
    if isinstance(found, Response):
        return found
    _, entry, history = found
    result = views.feedback_result(entry, history, st.lang)
    html = report.student_report(
        result, st.key_for(entry.newest.key_sha256), st.assignment, lang=st.lang, fmt="html"
    )
    return HTMLResponse(html)


def export_canvas(request: Request) -> Response:
    from autograder.export import canvas

    st = _state(request)
    results = [g.result for g in st.gradebook.latest(st.assignment.name)]
    out = canvas.gradebook_csv(results, assignment_name=st.assignment.title or st.assignment.name)
    return Response(
        out.text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{st.assignment.name}-canvas.csv"'},
    )


def export_checks(request: Request) -> Response:
    from autograder.export import csv_all

    st = _state(request)
    results = [g.result for g in st.gradebook.latest(st.assignment.name)]
    return Response(
        csv_all.to_csv(results),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{st.assignment.name}-checks.csv"'},
    )


def stylesheet(request: Request) -> Response:
    st = _state(request)
    css = st.render("review.css.j2", pygments=_pygments_css())
    return Response(css, media_type="text/css; charset=utf-8")


def regrade_page(request: Request) -> Response:
    st = _state(request)
    job: JobStatus | None = st.regrades.status(request.path_params["job"]) if st.regrades else None
    if job is None:
        return _message(request, 404, "review_no_regrade")
    numbers = {e.id: e.number for e in st.assignment.contract.exercises}
    return _page(
        request,
        "regrade.html.j2",
        job=job,
        numbers=numbers,
        refresh=REFRESH_S,
        href=views.student_href(job.student),
        label=lambda ex: views.exercise_label(numbers.get(ex, 0), st.lang),
    )


# ---- changes ------------------------------------------------------------------------------------


def _points(text: str) -> float | None:
    try:
        value = float(text.replace(",", ".").strip())
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


async def post_override(request: Request) -> Response:
    st = _state(request)
    f = await _form(request)
    student, exercise, check = f.get("student", ""), f.get("exercise", ""), f.get("check") or None
    anchor = exercise
    points = _points(f.get("points", ""))
    why = f.get("why", "").strip()
    if points is None:
        _say(request, "error", "review_points_not_a_number", value=f.get("points", ""))
        return _back(student, anchor)
    if not why:
        _say(request, "error", "review_reason_required")
        return _back(student, anchor)
    attempt = f.get("attempt", "")
    try:
        o = await run_in_threadpool(
            st.gradebook.override,
            student,
            st.assignment.name,
            exercise,
            check,
            points,
            who=_session(request).ta,
            why=why,
            attempt_id=int(attempt) if attempt.isdigit() else None,
        )
    except (OverrideError, NotFound, ValueError) as exc:
        _say(request, "error", "review_override_refused", reason=_reason(exc, st.lang))
        return _back(student, anchor)
    _say(request, "notice", "review_override_saved", target=o.target, points=f"{o.points:g}", who=o.who)
    return _back(student, anchor)


async def post_undo(request: Request) -> Response:
    st = _state(request)
    f = await _form(request)
    student = f.get("student", "")
    try:
        oid = int(f.get("override", ""))
        o = await run_in_threadpool(st.gradebook.undo, oid, who=_session(request).ta, why=f.get("why", ""))
    except (NotFound, ValueError) as exc:
        _say(request, "error", "review_undo_refused", reason=_reason(exc, st.lang))
        return _back(student)
    _say(request, "notice", "review_undo_saved", target=o.target, who=_session(request).ta)
    return _back(student, o.exercise)


async def post_comment(request: Request) -> Response:
    st = _state(request)
    f = await _form(request)
    student, exercise, text = f.get("student", ""), f.get("exercise") or None, f.get("text", "").strip()
    if not text:
        _say(request, "error", "review_comment_empty")
        return _back(student, exercise or "")
    try:
        await run_in_threadpool(
            st.gradebook.comment,
            student,
            st.assignment.name,
            text,
            who=_session(request).ta,
            exercise=exercise,
        )
    except (NotFound, ValueError) as exc:
        _say(request, "error", "review_comment_refused", reason=_reason(exc, st.lang))
        return _back(student, exercise or "")
    _say(request, "notice", "review_comment_saved")
    return _back(student, exercise or "comments")


async def post_regrade(request: Request) -> Response:
    st = _state(request)
    f = await _form(request)
    student = f.get("student", "")
    if st.regrades is None:
        _say(request, "error", "review_regrade_off")
        return _back(student)
    found = await run_in_threadpool(records.student_entry, st.gradebook, st.assignment.name, student)
    if found is None:
        return _message(request, 404, "review_no_student", student=student)
    job = st.regrades.submit(student, _session(request).ta)
    return RedirectResponse(f"/regrade/{job}", status_code=303)


async def _http_error(request: Request, exc: Exception) -> Response:
    code = int(getattr(exc, "status_code", 500))
    mid = "review_csrf_failed" if code == 403 else "review_not_found" if code == 404 else "review_bad_request"
    st = _state(request)
    return _secure(
        HTMLResponse(
            st.render(
                "message.html.j2",
                t=lambda m, **kw: translate(m, st.lang, **kw),
                lang=st.lang,
                ta="",
                flash=[],
                message=translate(mid, st.lang),
            ),
            status_code=code,
        )
    )


# ---- the factory ----------------------------------------------------------------------------------


def resolve_assignment(gradebook: Gradebook, assignment: Assignment | str | Path | None) -> Assignment:
    """``assignment`` as given, else the gradebook's only one (GradebookError when it has several or none)."""
    from autograder.gradebook import GradebookError

    if isinstance(assignment, Assignment):
        return assignment
    if assignment is not None:
        return load_assignment(assignment)
    names = gradebook.assignments()
    if not names:
        raise GradebookError(msg("gradebook_empty"), where=gradebook.where, fix=msg("gradebook_empty_fix"))
    if len(names) != 1:
        raise GradebookError(
            msg("gradebook_assignments", n=len(names), names=", ".join(names)),
            where=gradebook.where,
            fix=msg("gradebook_pass_assignment"),
        )
    return load_assignment(names[0])


def create_app(
    gradebook: Gradebook,
    *,
    assignment: Assignment | str | Path | None = None,
    reviewers: auth.Reviewers | Mapping[str, str] | None = None,
    lang: str | None = None,
    key_path: Path | None = None,
    options: Any = None,
    work_dir: Path | None = None,
    regrade: bool = True,
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "::1"),
    regrade_queue: RegradeQueue | None = None,
) -> Starlette:
    """The review app over ``gradebook`` for ``assignment`` (default: the gradebook's only one).

    ``reviewers``: an ``auth.Reviewers`` or {token: TA name} (default: one token for this machine's
    user; read them back from ``app.state.review.reviewers.tokens``). ``key_path``: the key to regrade
    with (default: the committed key each attempt was graded with, else the full one). ``options``:
    the ``GradeOptions`` of a regrade. ``regrade=False`` hides the regrade button."""
    a = resolve_assignment(gradebook, assignment)
    if reviewers is None:
        reviewers = auth.Reviewers.for_names([])
    elif not isinstance(reviewers, auth.Reviewers):
        reviewers = auth.Reviewers(reviewers)
    settings = Settings(lang or a.language, Path(key_path) if key_path else None)
    state = ReviewState(gradebook, a, reviewers, settings, None)
    if regrade:
        state.regrades = regrade_queue or RegradeQueue(
            gradebook, a, state.key_path_for, options=options, work_dir=work_dir
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if state.regrades is not None:
            state.regrades.close()

    routes = [
        Route("/", class_page),
        Route("/s/{student:path}", submission_page),
        Route("/pair", pair_page),
        Route("/next", next_page),
        Route("/report/{student:path}", report_page),
        Route("/export/canvas.csv", export_canvas),
        Route("/export/checks.csv", export_checks),
        Route("/static/review.css", stylesheet),
        Route("/regrade/{job}", regrade_page),
        Route("/override", post_override, methods=["POST"]),
        Route("/undo", post_undo, methods=["POST"]),
        Route("/comment", post_comment, methods=["POST"]),
        Route("/regrade", post_regrade, methods=["POST"]),
        Route("/favicon.ico", lambda request: PlainTextResponse("", status_code=204)),
    ]
    hosts = list(allowed_hosts) if "0.0.0.0" not in allowed_hosts and "::" not in allowed_hosts else ["*"]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts), Middleware(AuthMiddleware)],
        exception_handlers={403: _http_error, 404: _http_error, 400: _http_error, 405: _http_error},
    )
    app.state.review = state
    return app
