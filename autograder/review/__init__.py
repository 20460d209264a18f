"""TA review in the browser, over the gradebook (``autograder review --gradebook PATH``).

    app          ``create_app(gradebook, ...)``: the Starlette app, its routes and security headers
    auth         tokens per TA, session cookies, CSRF tokens
    records      what the pages read from the gradebook (functions over its facade)
    views        pure functions: gradebook records -> frozen view data for the templates
    notebook     a submitted notebook as sanitized HTML, cell by cell (nbconvert + nh3)
    duplicates   near-identical answers between students (pure, over notebooks)
    regrade      the regrade queue: real grading through the batch machinery, recorded as attempts
    server       uvicorn on 127.0.0.1, the URLs with their tokens

Templates: ``templates/review/``; sentences: ``autograder.i18n`` (ids ``review_*``).
"""

from __future__ import annotations

from typing import Any


def create_app(gradebook: Any, **options: Any) -> Any:
    """``autograder.review.app.create_app`` (imported lazily: Starlette loads only when used)."""
    from autograder.review.app import create_app as make

    return make(gradebook, **options)


__all__ = ["create_app"]
