"""The message catalogue: every sentence a student or TA reads, in Portuguese and English.

Results carry ``message_id`` + ``params``; templates and the CLI call ``translate``. Missing
ids fall back to English, then to the id itself, so a new id never crashes a report.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

LANGUAGES = ("pt", "en")

_CATALOGUE: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "pt": MappingProxyType({
        "ok": "Correto.",
        "not_close": "Valor fora da tolerância: obtido {obtained}, esperado {expected} ({tolerance}).",
        "not_close_hidden": "Valor fora da tolerância aceita ({tolerance}).",
        "shape_mismatch": "Formato errado: {detail}",
        "type_mismatch": "Tipo errado: {detail}",
        "nan": "O valor obtido é NaN.",
        "infinite": "O valor obtido é infinito.",
        "not_plain_data": "O valor não é um dado simples (número, lista, array) e foi rejeitado.",
        "missing": "A variável `{name}` não foi definida ao final da parte {part}.",
        "length_mismatch": "Tamanho errado: {detail}",
        "key_mismatch": "Chaves erradas: {detail}",
        "not_equal": "Valor diferente do esperado: obtido {obtained}, esperado {expected}.",
        "not_equal_hidden": "Valor diferente do esperado (obtido {obtained}).",
        "out_of_band": "Fora da faixa de resultados honestos: obtido {obtained}, aceito {tolerance}.",
        "out_of_band_hidden": "Fora da faixa de resultados honestos (obtido {obtained}).",
        "wrong_order": "A ordem das perdas médias está errada: {detail}",
        "tie": "Há empate entre perdas médias; a ordem fica ambígua.",
        "invalid_letter": "Resposta inválida ({obtained}): use 'a', 'b', 'c' ou 'd'.",
        "letter_correct": "Alternativa correta.",
        "letter_wrong": "Alternativa incorreta.",
        "letter_wrong_shown": "Alternativa incorreta: a resposta oficial é ({expected}).",
        "letter_consistent": "Sua alternativa ({obtained}) difere da oficial, mas é coerente com os "
                             "seus próprios números; crédito de {credit:.0%}.",
        "not_reached": "Não executado: a parte {part} parou antes, por causa do erro acima.",
        "unsupported": "O valor de `{name}` não é do tipo esperado ({detail}).",
        "band_map_partial": "{passed} de {total} tamanhos de batch dentro da faixa aceita.",
        "status_ok": "executado sem erros",
        "status_error": "erro ao executar",
        "status_timeout": "tempo esgotado",
        "status_memory": "limite de memória excedido",
        "status_dead": "o kernel morreu (processo encerrado)",
        "status_output_limit": "saída grande demais (truncada)",
        "status_not_run": "não executado",
        "status_not_computed": "exercício conceitual",
        "verification_executed": "re-executado pelo corretor",
        "verification_cached": "resultado reaproveitado (código e entradas idênticos)",
        "verification_replay_verified": "verificado por repetição das primeiras épocas",
        "verification_not_executed": "não executado",
        "misconception.hinge_01_labels": "Hinge calculada com rótulos 0/1: a hinge usa rótulos em "
                                          "{-1, 1} (`yh`), não `y`.",
        "misconception.mean_instead_of_sum": "Média em vez de soma: a perda de um exemplo soma os "
                                              "termos do vetor (as alternativas 0.32/0.16 vêm daí).",
        "misconception.normalised_with_test_statistics": "O teste foi normalizado com a média/desvio "
                                                          "do próprio teste; use os do treino.",
        "misconception.not_normalised": "Os atributos não foram normalizados (z-score).",
        "misconception.not_divided_by_255": "As imagens não foram divididas por 255.",
        "misconception.trained_on_all_images": "O treino usou mais do que as 800 primeiras imagens "
                                                "(use x_sub = x_train[:800]).",
        "misconception.lr_keyword": "`lr=` não existe no Keras 3: use `learning_rate=`.",
        "misconception.default_tolerance": "Probabilidades da regressão logística com a tolerância "
                                            "padrão (diferença na 3ª casa).",
        "error_in_cell": "Erro na célula {cell}, linha {line}: {ename}: {evalue}",
        "limit_not_enforced": "Limite não aplicado neste sistema: {what}",
    }),
    "en": MappingProxyType({
        "ok": "Correct.",
        "not_close": "Out of tolerance: obtained {obtained}, expected {expected} ({tolerance}).",
        "not_close_hidden": "Out of the accepted tolerance ({tolerance}).",
        "shape_mismatch": "Wrong shape: {detail}",
        "type_mismatch": "Wrong type: {detail}",
        "nan": "The value obtained is NaN.",
        "infinite": "The value obtained is infinite.",
        "not_plain_data": "The value is not plain data (number, list, array) and was rejected.",
        "missing": "`{name}` was not defined at the end of part {part}.",
        "length_mismatch": "Wrong length: {detail}",
        "key_mismatch": "Wrong keys: {detail}",
        "not_equal": "Not the expected value: obtained {obtained}, expected {expected}.",
        "not_equal_hidden": "Not the expected value (obtained {obtained}).",
        "out_of_band": "Outside the band of honest results: obtained {obtained}, accepted {tolerance}.",
        "out_of_band_hidden": "Outside the band of honest results (obtained {obtained}).",
        "wrong_order": "The order of the mean losses is wrong: {detail}",
        "tie": "Two mean losses are equal; the order is ambiguous.",
        "invalid_letter": "Invalid answer ({obtained}): use 'a', 'b', 'c' or 'd'.",
        "letter_correct": "Correct option.",
        "letter_wrong": "Wrong option.",
        "letter_wrong_shown": "Wrong option: the official answer is ({expected}).",
        "letter_consistent": "Your option ({obtained}) differs from the official one but agrees with "
                             "your own numbers; {credit:.0%} credit.",
        "not_reached": "Not run: part {part} stopped earlier because of the error above.",
        "unsupported": "`{name}` is not of the expected type ({detail}).",
        "band_map_partial": "{passed} of {total} batch sizes inside the accepted band.",
        "status_ok": "ran without errors",
        "status_error": "error while running",
        "status_timeout": "time limit reached",
        "status_memory": "memory limit exceeded",
        "status_dead": "the kernel died (process ended)",
        "status_output_limit": "output too large (truncated)",
        "status_not_run": "not run",
        "status_not_computed": "conceptual exercise",
        "verification_executed": "re-executed by the grader",
        "verification_cached": "reused result (identical code and inputs)",
        "verification_replay_verified": "verified by replaying the first epochs",
        "verification_not_executed": "not executed",
        "misconception.hinge_01_labels": "Hinge computed with 0/1 labels: the hinge uses labels in "
                                          "{-1, 1} (`yh`), not `y`.",
        "misconception.mean_instead_of_sum": "Mean instead of sum: one example's loss sums over the "
                                              "vector (the 0.32/0.16 options come from averaging).",
        "misconception.normalised_with_test_statistics": "The test set was normalised with its own "
                                                          "mean/std; use the training ones.",
        "misconception.not_normalised": "The features were not normalised (z-score).",
        "misconception.not_divided_by_255": "The images were not divided by 255.",
        "misconception.trained_on_all_images": "Training used more than the first 800 images "
                                                "(use x_sub = x_train[:800]).",
        "misconception.lr_keyword": "`lr=` does not exist in Keras 3: use `learning_rate=`.",
        "misconception.default_tolerance": "Logistic-regression probabilities with the default "
                                            "tolerance (differs in the 3rd decimal).",
        "error_in_cell": "Error in cell {cell}, line {line}: {ename}: {evalue}",
        "limit_not_enforced": "Limit not applied on this system: {what}",
    }),
})


class _Default(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def translate(message_id: str, lang: str = "pt", **params: Any) -> str:
    """The sentence for ``message_id`` in ``lang`` with ``params`` filled in; never raises."""
    table = _CATALOGUE.get(lang, _CATALOGUE["en"])
    template = table.get(message_id) or _CATALOGUE["en"].get(message_id) or message_id
    try:
        return template.format_map(_Default(params))
    except (ValueError, TypeError, IndexError):
        return template


def message_ids(lang: str = "en") -> frozenset[str]:
    return frozenset(_CATALOGUE[lang])
