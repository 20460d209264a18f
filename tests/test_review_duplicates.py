"""The near-duplicate detector (autograder.review.duplicates): pure, over notebooks as JSON data."""

from __future__ import annotations

import json
from typing import Any

import nbformat

from autograder.authoring import notebook
from autograder.review import duplicates as d
from tests.common import CNN
from tests.test_review_data import notebook_for

ANSWER = """
import numpy as np
from sklearn.linear_model import LogisticRegression

clf = LogisticRegression(solver="lbfgs", C=1.0)
clf.fit(x.reshape(-1, 1), y)
y_hat = clf.predict_proba(x.reshape(-1, 1))[:, 1]
loss_qu = (y - y_hat) ** 2
loss_ec = -(y * np.log(y_hat + 1e-5) + (1 - y) * np.log(1 - y_hat + 1e-5))
for i, value in enumerate(loss_qu):
    print(i, round(value, 3))
"""
# the same program: other names, other literals, other comments and spacing, a magic line
DISGUISED = """
%matplotlib inline
import numpy as np   # numpy
from sklearn.linear_model import LogisticRegression
modelo = LogisticRegression(solver = "newton-cg", C = 10.0)   # mudei
modelo.fit(x.reshape(-2, 1), y)
prob = modelo.predict_proba(x.reshape(-2, 1))[:, 0]

loss_qu = (y - prob) ** 3
loss_ec = -(y * np.log(prob + 1e-9) + (2 - y) * np.log(2 - prob + 1e-9))
for k, v in enumerate(loss_qu):
    print(k, round(v, 4))
"""
# another program computing the same thing
OTHER = """
import numpy as np
from sklearn.linear_model import LogisticRegression

p = LogisticRegression().fit(x[:, None], y).predict_proba(x[:, None])[:, 1]
loss_qu = np.square(y - p)
loss_ec = -np.where(y == 1, np.log(p), np.log(1 - p))
print(np.round(loss_qu, 3))
"""


def _nb(
    code: str, output: str = "0 0.142\n", epoch_time: str = "12ms/step", letter: str = "d"
) -> dict[str, Any]:
    meta = {"autograder": {"exercise": "ex1", "role": "answer", "id": "ex1-answer-1", "part": "ex1"}}
    answer = nbformat.v4.new_code_cell(code, metadata=meta)
    answer.outputs = [
        nbformat.v4.new_output(
            "stream", name="stdout", text=f"{output}1/1 \x1b[32m━━━━\x1b[0m 0s {epoch_time}\n"
        )
    ]
    letter_cell = nbformat.v4.new_code_cell(
        f'resposta_1 = "{letter}"', metadata={"autograder": {"exercise": "ex1", "role": "letter"}}
    )
    text = nbformat.v4.new_markdown_cell(
        "## Exercício 1", metadata={"autograder": {"exercise": "ex1", "role": "text"}}
    )
    nb = nbformat.v4.new_notebook(cells=[text, answer, letter_cell])
    return dict(json.loads(nbformat.writes(nb)))


def test_renamed_names_changed_literals_and_comments_are_the_same_code() -> None:
    a, b = d.normalised_code([ANSWER]), d.normalised_code([DISGUISED])
    assert a == b and a[1] >= d.MIN_NODES
    assert d.normalised_code([OTHER])[0] != a[0]


def test_a_copy_with_the_same_outputs_is_a_pair_run_times_aside() -> None:
    pairs = d.find_near_duplicates(
        {"ana": _nb(ANSWER), "gabriel": _nb(DISGUISED, epoch_time="40ms/step"), "bruno": _nb(OTHER)}
    )
    assert [(p.exercise, p.a, p.b, p.group) for p in pairs] == [("ex1", "ana", "gabriel", 2)]
    assert pairs[0].cells_a == pairs[0].cells_b == (1,)


def test_the_same_code_with_other_outputs_is_not_a_pair() -> None:
    """Literals are abstracted, so the outputs are what tells ``epochs=10`` from ``epochs=50``."""
    assert d.find_near_duplicates({"ana": _nb(ANSWER), "gabriel": _nb(DISGUISED, output="0 0.2\n")}) == []


def test_what_everyone_writes_is_not_a_pair() -> None:
    small = "loss = np.mean((y - y_hat) ** 2)\nprint(loss)\n"
    assert d.find_near_duplicates({"a": _nb(small), "b": _nb(small)}) == []  # too short to mean anything
    many = {f"s{i}": _nb(ANSWER) for i in range(5)}  # the class's common answer (more than max_group)
    assert d.find_near_duplicates(many) == []
    assert len(d.find_near_duplicates(many, max_group=5)) == 10


def test_letters_and_the_untouched_template_are_ignored() -> None:
    blank = dict(json.loads(nbformat.writes(notebook(CNN, "student", "full"))))
    templates = d.template_codes(blank)
    assert d.find_near_duplicates({"a": blank, "b": blank}, templates=templates, min_nodes=0) == []
    assert d.answer_cells(_nb(ANSWER)) == {"ex1": [1]}  # the letter cell (2) is not an answer cell


def test_cells_a_student_added_after_an_answer_count_as_the_answer() -> None:
    nb = _nb(ANSWER)
    nb["cells"].insert(
        2,
        dict(
            json.loads(
                nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('mine')")]))
            )["cells"][0]
        ),
    )
    assert d.answer_cells(nb) == {"ex1": [1, 2]}


def test_code_that_does_not_parse_is_compared_as_text() -> None:
    broken = "def f(:\n    return 1  # oops\n"
    assert d.normalised_code([broken]) == d.normalised_code(["def f(:\n    return 1\n"])
    assert d.normalised_code([broken])[0].startswith("text:")


def test_the_review_class_has_one_copied_notebook() -> None:
    """The class the review tests use: Gabriel's notebook is Ana's in disguise, in every exercise."""
    nbs = {s: json.loads(notebook_for(s)) for s in ("1001", "1002", "1004", "1007")}
    templates = d.template_codes(dict(json.loads(nbformat.writes(notebook(CNN, "student", "full")))))
    pairs = d.find_near_duplicates(nbs, templates=templates)
    assert {(p.a, p.b) for p in pairs} == {("1001", "1007")}
    assert {p.exercise for p in pairs} == {"ex1", "ex3", "ex7", "ex8", "ex10"}
