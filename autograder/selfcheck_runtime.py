"""The students' self-check, ``check("<exercise id>")``. Runs INSIDE the student's kernel.

Its source text is embedded in the notebook's first cell by ``autograder.authoring`` (together with
the source of ``autograder/probe.py`` and the contract's reads as JSON), so it must stay
self-contained: standard library and NumPy only, no dataclasses, no ``__future__`` imports,
nothing imported from this repository. The grader's own tests import it as a normal module.

What it checks, per name the contract reads after each part of an exercise: that the name
exists and has the right kind and shape (an array's shape, a letter among a-d, a compiled Keras
model, a History with the profile's number of epochs, ...). It never sees the answer key, so it
cannot reveal key values or the correct letter. It never raises: any surprise becomes a line of
output. It also emits a ``display_data`` output (MIME ``MIME``) with the values the probe read,
so they are saved in the notebook.

For the exercises fast grading may replay (``config["weights"]``: exercise id -> the models
read), the exercise's check also saves each model's trained weights (``encode_weights``:
float16, zlib, base64; float32 when a value does not fit), so the grader can recompute the
final scores from them in seconds (``autograder.cache_replay``). Only the exercise-level check
saves them (not ``check("<part>")``), once per model.
"""

import base64
import math
import zlib

MIME = "application/vnd.dl-autograder.selfcheck+json"
PAYLOAD_SCHEMA = "dl-autograder/selfcheck"
PAYLOAD_VERSION = 1

OK, FAIL = "\u2714", "\u2718"  # check mark, ballot x

# Every sentence the student can see, in both languages. Fields are filled with str.format.
MESSAGES = {
    "title": {
        "pt": "Autoverificação — {what}",
        "en": "Self-check — {what}",
    },
    "exercise": {"pt": "Exercício {number} ({title})", "en": "Exercise {number} ({title})"},
    "part": {"pt": "parte {part} do Exercício {number}", "en": "part {part} of Exercise {number}"},
    "summary_ok": {
        "pt": "Tudo certo: {n} de {n} itens no formato esperado.",
        "en": "All good: {n} of {n} items have the expected form.",
    },
    "summary_fail": {
        "pt": "{ok} de {n} itens no formato esperado. Corrija os itens marcados com {mark} e rode "
              "{call} de novo.",
        "en": "{ok} of {n} items have the expected form. Fix the items marked {mark} and run "
              "{call} again.",
    },
    "disclaimer": {
        "pt": "(A autoverificação confere nomes, tipos e formatos; não diz se os valores ou a "
              "alternativa estão certos.)",
        "en": "(The self-check looks at names, types and shapes; it does not say whether the "
              "values or the chosen option are right.)",
    },
    "unknown_exercise": {
        "pt": "{mark} Não conheço o exercício {got}. Use o identificador de um exercício ou de uma "
              "parte, ou o número do exercício; exercícios: {choices}.",
        "en": "{mark} Unknown exercise {got}. Use the id of an exercise or of a part, or the "
              "exercise's number; exercises: {choices}.",
    },
    "crashed": {
        "pt": "{mark} A autoverificação encontrou um problema inesperado ({error}). Seu código não "
              "foi afetado; confira os nomes pedidos no enunciado.",
        "en": "{mark} The self-check hit an unexpected problem ({error}). Your code is not "
              "affected; check the names the exercise asks for.",
    },
    "missing": {
        "pt": "`{name}` não está definido; esperado: {desc}.",
        "en": "`{name}` is not defined; expected: {desc}.",
    },
    "unsupported": {
        "pt": "`{name}` tem um tipo que não consigo ler ({detail}); esperado: {desc}.",
        "en": "`{name}` has a type I cannot read ({detail}); expected: {desc}.",
    },
    "not_captured": {
        "pt": "`{name}` é reutilizado numa parte seguinte; rode check(\"{part}\") logo depois desta "
              "parte para registrar {desc}.",
        "en": "`{name}` is reused by a later part; run check(\"{part}\") right after this part to "
              "record {desc}.",
    },
    "array_ok": {"pt": "`{name}`: array de formato {shape}", "en": "`{name}`: array of shape {shape}"},
    "array_not_array": {
        "pt": "`{name}` deveria ser um array (ou lista) de números: {desc}.",
        "en": "`{name}` should be an array (or list) of numbers: {desc}.",
    },
    "array_ragged": {
        "pt": "`{name}` não é um array retangular de números: {desc}.",
        "en": "`{name}` is not a rectangular array of numbers: {desc}.",
    },
    "array_shape": {
        "pt": "`{name}` tem formato {shape}; esperado {want} ({desc}).",
        "en": "`{name}` has shape {shape}; expected {want} ({desc}).",
    },
    "not_finite": {
        "pt": "`{name}` contém NaN ou infinito; confira o cálculo ({desc}).",
        "en": "`{name}` contains NaN or infinity; check the computation ({desc}).",
    },
    "number_ok": {"pt": "`{name}`: número", "en": "`{name}`: a number"},
    "number_is_sequence": {
        "pt": "`{name}` é uma sequência de {count} valores; esperado UM número ({desc}).",
        "en": "`{name}` is a sequence of {count} values; expected ONE number ({desc}).",
    },
    "number_wrong": {
        "pt": "`{name}` deveria ser um número: {desc}.",
        "en": "`{name}` should be a number: {desc}.",
    },
    "letter_ok": {
        "pt": "`{name}`: alternativa ({letter}) registrada",
        "en": "`{name}`: option ({letter}) recorded",
    },
    "letter_empty": {
        "pt": "`{name}` ainda está vazia: escreva uma única letra entre {choices}.",
        "en": "`{name}` is still empty: write a single letter among {choices}.",
    },
    "letter_wrong": {
        "pt": "`{name}` = {got} não é uma alternativa; escreva uma única letra entre {choices}.",
        "en": "`{name}` = {got} is not an option; write a single letter among {choices}.",
    },
    "model_ok": {
        "pt": "`{name}`: rede com {params} parâmetros, compilada ({optimizer})",
        "en": "`{name}`: network with {params} parameters, compiled ({optimizer})",
    },
    "model_no_params": {
        "pt": "`{name}` não tem parâmetros; construa a rede pedida ({desc}).",
        "en": "`{name}` has no parameters; build the requested network ({desc}).",
    },
    "model_not_compiled": {
        "pt": "`{name}` ainda não foi compilada: chame {name}.compile(...) e {name}.fit(...) ({desc}).",
        "en": "`{name}` is not compiled yet: call {name}.compile(...) and {name}.fit(...) ({desc}).",
    },
    "history_ok": {
        "pt": "`{name}`: histórico de {epochs} épocas",
        "en": "`{name}`: history of {epochs} epochs",
    },
    "history_wrong_type": {
        "pt": "`{name}` deveria ser o retorno de .fit(...) (um History): {desc}.",
        "en": "`{name}` should be what .fit(...) returns (a History): {desc}.",
    },
    "history_epochs": {
        "pt": "`{name}` tem {got} épocas; neste caderno o treino deve ter {want} (use epochs=epochs).",
        "en": "`{name}` has {got} epochs; in this notebook training must run {want} (use epochs=epochs).",
    },
    "history_keys": {
        "pt": "`{name}` não registrou {keys}; confira as métricas, os dados de validação e os "
              "callbacks pedidos ({desc}).",
        "en": "`{name}` did not record {keys}; check the metrics, validation data and callbacks "
              "asked for ({desc}).",
    },
    "stats_ok": {"pt": "`{name}`: array de formato {shape}", "en": "`{name}`: array of shape {shape}"},
    "stats_shape": {
        "pt": "`{name}` tem formato {shape}; esperado (n, {tail}) ({desc}).",
        "en": "`{name}` has shape {shape}; expected (n, {tail}) ({desc}).",
    },
    "mapping_ok": {
        "pt": "`{name}`: dicionário com os {count} tamanhos de batch",
        "en": "`{name}`: dictionary with the {count} batch sizes",
    },
    "mapping_wrong_type": {
        "pt": "`{name}` deveria ser um dicionário: {desc}.",
        "en": "`{name}` should be a dictionary: {desc}.",
    },
    "mapping_missing_keys": {
        "pt": "`{name}` não tem as chaves {keys} (uma por batch_size de `batches`).",
        "en": "`{name}` lacks the keys {keys} (one per batch_size in `batches`).",
    },
    "mapping_extra_keys": {
        "pt": "`{name}` tem chaves que não estão em `batches`: {keys}.",
        "en": "`{name}` has keys that are not in `batches`: {keys}.",
    },
    "mapping_values": {
        "pt": "`{name}`[{key}] = {got} deveria ser {kind}.",
        "en": "`{name}`[{key}] = {got} should be {kind}.",
    },
    "or": {"pt": " ou ", "en": " or "},
    "kind_number": {"pt": "um número", "en": "a number"},
    "kind_integer": {"pt": "um número inteiro", "en": "an integer"},
    "unknown_type": {
        "pt": "`{name}`: tipo {kind} desconhecido pela autoverificação.",
        "en": "`{name}`: type {kind} unknown to the self-check.",
    },
}


def say(message_id, lang, **fields):
    """One catalogue sentence in ``lang`` ("pt" or "en"), fields filled in."""
    entry = MESSAGES[message_id]
    return entry.get(lang, entry["pt"]).format(**fields)


# --------------------------------------------------------------------------------------------
# Which exercise or part
# --------------------------------------------------------------------------------------------


def resolve_target(config, which):
    """``(exercise, parts, is_part)`` for an exercise id (any case and spacing), its number
    (``7`` or ``"7"``) or the id of one of its parts.

    Returns None when ``which`` names nothing in the contract.
    """
    if isinstance(which, bool):
        return None
    if isinstance(which, int):
        text = str(which)
    elif isinstance(which, str):
        text = which.strip().lower().replace(" ", "")
    else:
        return None
    if text.isdigit():
        for exercise in config["exercises"]:
            if exercise["number"] == int(text):
                return exercise, list(exercise["parts"]), False
        return None
    for exercise in config["exercises"]:
        if exercise["id"] == text:
            return exercise, list(exercise["parts"]), False
        for part in exercise["parts"]:
            if part["id"] == text and len(exercise["parts"]) > 1:
                return exercise, [part], True
    return None


def reused_later(exercise):
    """``{part id: {names read again by a later part of the same exercise}}``."""
    out = {}
    parts = exercise["parts"]
    for i, part in enumerate(parts):
        later = {r["name"] for p in parts[i + 1:] for r in p["reads"]}
        out[part["id"]] = {r["name"] for r in part["reads"]} & later
    return out


# --------------------------------------------------------------------------------------------
# Judging one described value (plain JSON from the probe). Pure functions.
# --------------------------------------------------------------------------------------------


def _is_number(x):
    return (type(x) in (int, float)) or x in ("NaN", "Infinity", "-Infinity")


def _finite(x):
    return type(x) in (int, float) and not (isinstance(x, float) and not math.isfinite(x))


def nested_shape(value):
    """Shape of nested lists of numbers, or None when ragged or not numeric."""
    if _is_number(value) or type(value) is bool:
        return ()
    if type(value) is not list:
        return None
    shapes = [nested_shape(v) for v in value]
    if any(s is None for s in shapes):
        return None
    if shapes and any(s != shapes[0] for s in shapes):
        return None
    return (len(value),) + (shapes[0] if shapes else ())


def _leaves(value):
    if type(value) is list:
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def _shape_text(shape):
    if len(shape) == 1:
        return "(%s,)" % ("n" if shape[0] is None else shape[0])
    return "(" + ", ".join("n" if s is None else str(s) for s in shape) + ")"


def _letter(value, choices):
    if type(value) is not str:
        return None
    text = value.strip().lower()
    if len(text) == 3 and text[0] == "(" and text[2] == ")":
        text = text[1]
    elif len(text) == 2 and text[1] == ")":
        text = text[0]
    return text if len(text) == 1 and text in choices else None


def judge(read, value, lang="pt", choices="abcd"):
    """``(ok, message)`` for one read (a contract entry plus ``expect``) and its described value."""
    name, kind = read["name"], read["type"]
    desc = read.get(lang) or read.get("pt", "")
    expect = read.get("expect") or {}
    f = {"name": name, "desc": desc}
    if isinstance(value, dict) and value.get("__missing__"):
        return False, say("missing", lang, **f)
    if isinstance(value, dict) and value.get("__not_captured__"):
        return False, say("not_captured", lang, part=value["__not_captured__"], **f)
    if isinstance(value, dict) and "__unsupported__" in value:
        return False, say("unsupported", lang, detail=value["__unsupported__"], **f)
    if kind == "array":
        return _judge_array(read, value, lang, f)
    if kind == "number":
        if type(value) is list:
            return False, say("number_is_sequence", lang, count=len(value), **f)
        if not _is_number(value):
            return False, say("number_wrong", lang, **f)
        if not _finite(value):
            return False, say("not_finite", lang, **f)
        return True, say("number_ok", lang, **f)
    if kind == "letter":
        quoted = [f"'{c}'" for c in choices]
        options = ", ".join(quoted[:-1]) + say("or", lang) + quoted[-1]
        if value is None or (type(value) is str and not value.strip()):
            return False, say("letter_empty", lang, choices=options, **f)
        got = _letter(value, choices)
        if got is None:
            return False, say("letter_wrong", lang, got=repr(value)[:40], choices=options, **f)
        return True, say("letter_ok", lang, letter=got, **f)
    if kind == "keras_model":
        return _judge_model(value, lang, f)
    if kind == "keras_history":
        return _judge_history(value, expect, lang, f)
    if kind == "array_stats":
        return _judge_stats(value, expect, lang, f)
    if kind == "mapping":
        return _judge_mapping(value, expect, lang, f)
    return False, say("unknown_type", lang, kind=kind, **f)


def _judge_array(read, value, lang, f):
    if type(value) is not list:
        return False, say("array_not_array", lang, **f)
    shape = nested_shape(value)
    if shape is None:
        return False, say("array_ragged", lang, **f)
    want = read.get("shape")
    if want is not None and (len(want) != len(shape)
                             or any(w is not None and w != s for w, s in zip(want, shape, strict=True))):
        return False, say("array_shape", lang, shape=_shape_text(shape), want=_shape_text(want), **f)
    if not all(_finite(x) or type(x) is bool for x in _leaves(value)):
        return False, say("not_finite", lang, **f)
    return True, say("array_ok", lang, shape=_shape_text(shape), **f)


def _judge_model(value, lang, f):
    if not isinstance(value, dict) or "params" not in value:
        return False, say("unsupported", lang, detail="?", **f)
    if not value.get("params"):
        return False, say("model_no_params", lang, **f)
    optimizer = value.get("optimizer")
    if not isinstance(optimizer, dict) or not optimizer.get("class"):
        return False, say("model_not_compiled", lang, **f)
    return True, say("model_ok", lang, params=value["params"], optimizer=optimizer["class"], **f)


def _judge_history(value, expect, lang, f):
    hist = value.get("history") if isinstance(value, dict) else None
    if not isinstance(hist, dict):
        return False, say("history_wrong_type", lang, **f)
    lengths = {len(v) for v in hist.values() if type(v) is list}
    got = value.get("epochs")
    if lengths:
        got = max(lengths)
    want = expect.get("epochs")
    if want is not None and got != want:
        return False, say("history_epochs", lang, got=got, want=want, **f)
    missing = [k for k in expect.get("history_keys", ()) if k not in hist]
    if missing:
        return False, say("history_keys", lang, keys=", ".join(f"'{k}'" for k in missing), **f)
    return True, say("history_ok", lang, epochs=got, **f)


def _judge_stats(value, expect, lang, f):
    shape = value.get("shape") if isinstance(value, dict) else None
    if type(shape) is not list:
        return False, say("array_not_array", lang, **f)
    tail = list(expect.get("shape_tail", ()))
    if tail and (len(shape) != len(tail) + 1 or shape[1:] != tail):
        return False, say("stats_shape", lang, shape=_shape_text(shape),
                          tail=", ".join(str(t) for t in tail), **f)
    if value.get("min") in ("NaN", "Infinity", "-Infinity") or value.get("max") in (
            "NaN", "Infinity", "-Infinity"):
        return False, say("not_finite", lang, **f)
    return True, say("stats_ok", lang, shape=_shape_text(shape), **f)


def _judge_mapping(value, expect, lang, f):
    if not isinstance(value, dict):
        return False, say("mapping_wrong_type", lang, **f)
    want = [str(k) for k in expect.get("mapping_keys", ())]
    if want:
        missing = [k for k in want if k not in value]
        if missing:
            return False, say("mapping_missing_keys", lang, keys=", ".join(missing), **f)
        extra = [k for k in value if k not in want]
        if extra:
            return False, say("mapping_extra_keys", lang, keys=", ".join(extra), **f)
    kind = expect.get("mapping_values")
    for key, item in value.items():
        bad = (kind == "number" and not _finite(item)) or (
            kind == "integer" and not (type(item) is int or (_finite(item) and float(item).is_integer())))
        if bad:
            return False, say("mapping_values", lang, key=key, got=repr(item)[:40],
                              kind=say("kind_" + kind, lang), **f)
    return True, say("mapping_ok", lang, count=len(value), **f)


# --------------------------------------------------------------------------------------------
# Evaluating an exercise against the live namespace
# --------------------------------------------------------------------------------------------


def encode_weights(model):
    """A model's weights as compact plain data, or None when they cannot be read:
    ``{"dtype": "<f2" | "<f4", "shapes": [[...], ...], "count": n, "data": base64(zlib(bytes))}``,
    the arrays of ``model.get_weights()`` concatenated in order."""
    try:
        import numpy as np

        arrays = [np.asarray(w, dtype=np.float32) for w in model.get_weights()]
    except Exception:
        return None
    flat = np.concatenate([a.ravel() for a in arrays]) if arrays else np.zeros(0, np.float32)
    fits = flat.size == 0 or bool(np.isfinite(flat).all() and np.abs(flat).max() < 60000.0)
    dtype = "<f2" if fits else "<f4"
    raw = flat.astype(dtype).tobytes()
    return {"dtype": dtype, "shapes": [[int(d) for d in a.shape] for a in arrays], "count": int(flat.size),
            "data": base64.b64encode(zlib.compress(raw, 9)).decode("ascii")}


def _weights(config, exercise, namespace):
    """``{part: {model name: encoded weights}}`` for the models of an exercise fast mode replays."""
    wanted = config.get("weights", {}).get(exercise["id"], [])
    out: dict = {}
    for part, name in wanted:
        if name in namespace:
            blob = encode_weights(namespace[name])
            if blob is not None:
                out.setdefault(part, {})[name] = blob
    return out


def evaluate(config, probe, namespace, which, snapshots, lang="pt"):
    """Read and judge the names of one exercise (or one part). Never raises for bad input.

    ``snapshots`` maps part id -> values recorded when that part was checked on its own; it is
    updated here. A name that a later part of the same exercise reads again (``history`` in
    exercise 7) is taken from the snapshot of its own part, when there is one.
    Returns ``{"target", "exercise", "items": [(ok, part, message)], "values", "payload"}``, or
    ``{"error": message}`` when ``which`` names nothing.
    """
    found = resolve_target(config, which)
    if found is None:
        choices = ", ".join(e["id"] for e in config["exercises"])
        return {"error": say("unknown_exercise", lang, mark=FAIL, got=repr(which)[:40],
                             choices=choices)}
    exercise, parts, is_part = found
    reused = reused_later(exercise)
    last_part = exercise["parts"][-1]["id"]
    items, values = [], {}
    for part in parts:
        reads = part["reads"]
        current = probe.collect(namespace, [(r["name"], r["type"]) for r in reads])
        if is_part or part["id"] == last_part:
            snapshots[part["id"]] = current
        chosen = {}
        for r in reads:
            name = r["name"]
            if not is_part and name in reused[part["id"]]:
                snap = snapshots.get(part["id"])
                if snap and name in snap:
                    chosen[name] = snap[name]
                elif isinstance(current[name], dict) and current[name].get("__missing__"):
                    chosen[name] = current[name]
                else:
                    chosen[name] = {"__not_captured__": part["id"]}
            else:
                chosen[name] = current[name]
            ok, message = judge(r, chosen[name], lang, config.get("letter_choices", "abcd"))
            items.append((ok, part["id"], message))
        values[part["id"]] = chosen
    target = parts[0]["id"] if is_part else exercise["id"]
    payload = {
        "schema": PAYLOAD_SCHEMA,
        "version": PAYLOAD_VERSION,
        "module": config.get("module", ""),
        "exercise": exercise["id"],
        "part": parts[0]["id"] if is_part else "",
        "profile": config.get("profile", ""),
        "passed": all(ok for ok, _, _ in items),
        "values": values,
    }
    if not is_part and config.get("weights", {}).get(exercise["id"]):
        payload["weights"] = _weights(config, exercise, namespace)
    return {"target": target, "exercise": exercise, "parts": [p["id"] for p in parts],
            "is_part": is_part, "items": items, "values": values, "payload": payload}


def render(report, lang="pt"):
    """The lines printed for the student."""
    if "error" in report:
        return report["error"]
    exercise = report["exercise"]
    title = exercise["title"].get(lang) or exercise["title"].get("pt", "")
    if report["is_part"]:
        what = say("part", lang, part=report["target"], number=exercise["number"])
    else:
        what = say("exercise", lang, number=exercise["number"], title=title)
    lines = [say("title", lang, what=what)]
    show_part = len(report["parts"]) > 1
    for ok, part, message in report["items"]:
        prefix = f"[{part}] " if show_part else ""
        lines.append(f"  {OK if ok else FAIL} {prefix}{message}")
    n = len(report["items"])
    n_ok = sum(1 for ok, _, _ in report["items"] if ok)
    if n_ok == n:
        lines.append(say("summary_ok", lang, n=n))
    else:
        lines.append(say("summary_fail", lang, ok=n_ok, n=n, mark=FAIL,
                         call=f'check("{report["target"]}")'))
    lines.append(say("disclaimer", lang))
    return "\n".join(lines)


def display_payload(payload):
    """Save the obtained values in the notebook as a display_data output (only inside IPython)."""
    try:
        from IPython.core.interactiveshell import InteractiveShell
        from IPython.display import display
    except Exception:
        return
    if not InteractiveShell.initialized():
        return
    label = payload.get("part") or payload.get("exercise")
    display({MIME: payload, "text/plain": f"<autoverificação {label} registrada>"}, raw=True)


def make_check(config, probe, namespace, emit=display_payload, out=print):
    """The ``check(exercicio, idioma="pt")`` function bound to the notebook's namespace."""
    snapshots: dict = {}  # part id -> values recorded by check("<part>")

    def check(exercicio, idioma="pt"):
        """Confere os nomes pedidos num exercício (pelo identificador, pelo número ou por uma parte)."""
        lang = idioma if idioma in ("pt", "en") else "pt"
        try:
            report = evaluate(config, probe, namespace, exercicio, snapshots, lang)
            out(render(report, lang))
            if "payload" in report:
                emit(report["payload"])
        except Exception as exc:  # a self-check must never break the student's notebook
            out(say("crashed", lang, mark=FAIL, error=type(exc).__name__))
        return None

    return check
