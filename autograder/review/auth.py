"""Who is reviewing: one token per TA (as Jupyter's), a session cookie after the first request, and a
CSRF token in every form. All state lives in one ``Reviewers`` object owned by the app.

* A token is 32 random bytes (``secrets.token_urlsafe``), made when the server starts and printed
  in the URL (``/?token=…``). The first request carrying it gets a session cookie (HttpOnly,
  SameSite=Strict, named after the port) and is redirected to the same URL without the token, so
  it does not stay in the address bar or the history. ``Authorization: token …`` works for
  scripts (no cookie, no CSRF needed: a browser never adds that header by itself).
* Every other request without a valid session is refused (403), static files included.
* A session has its own CSRF token; every POST must carry it (``csrf`` form field) and, when the
  browser sends ``Origin``, come from this server.
* The TA's name, not the token, is what the gradebook records (``who``).
"""

from __future__ import annotations

import getpass
import hmac
import secrets
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

COOKIE_PREFIX = "autograder-review-"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def default_reviewer() -> str:
    try:
        return getpass.getuser() or "ta"
    except Exception:  # no user name in this environment
        return "ta"


@dataclass
class Session:
    id: str
    ta: str
    csrf: str
    flash: list[tuple[str, str]] = field(default_factory=list)  # (kind, sentence), shown once


class Reviewers:
    """The TAs (token -> name) and their live sessions."""

    def __init__(self, tokens: Mapping[str, str]) -> None:
        if not tokens:
            raise ValueError("at least one reviewer is needed")
        names = [n.strip() for n in tokens.values()]
        if any(not n for n in names):
            raise ValueError("a reviewer needs a name")
        self._tokens = {t: n.strip() for t, n in tokens.items()}
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    @classmethod
    def for_names(cls, names: Iterable[str]) -> Reviewers:
        """A fresh token for each name (default: this machine's user)."""
        wanted = list(dict.fromkeys(n.strip() for n in names if n.strip())) or [default_reviewer()]
        return cls({new_token(): n for n in wanted})

    @property
    def tokens(self) -> dict[str, str]:
        """name -> token (to print the URLs)."""
        return {n: t for t, n in self._tokens.items()}

    def name_for(self, token: str | None) -> str | None:
        if not token:
            return None
        for known, name in self._tokens.items():
            if hmac.compare_digest(known.encode(), token.encode()):
                return name
        return None

    def login(self, token: str | None) -> Session | None:
        name = self.name_for(token)
        if name is None:
            return None
        session = Session(secrets.token_urlsafe(32), name, secrets.token_urlsafe(32))
        with self._lock:
            self._sessions[session.id] = session
        return session

    def session(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        with self._lock:
            return self._sessions.get(session_id)

    def ephemeral(self, token: str | None) -> Session | None:
        """A session for one request authenticated by header (not stored, no cookie)."""
        name = self.name_for(token)
        return Session("", name, "") if name is not None else None


def csrf_ok(session: Session, sent: str | None) -> bool:
    """Whether a form's CSRF token is this session's (header-authenticated requests need none)."""
    if session.id == "":
        return True
    return bool(sent) and hmac.compare_digest(session.csrf.encode(), str(sent).encode())


def cookie_name(port: int | None) -> str:
    return f"{COOKIE_PREFIX}{port or 0}"
