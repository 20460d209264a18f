"""The message catalogue: every sentence a student or TA reads, in Portuguese and English.

The feedback sentences are below; what the CLI and the errors say is in ``autograder.messages``
(one fragment per area), merged here. Results carry ``message_id`` + ``params``; templates call
``translate``; errors and the CLI's lines carry a ``Msg`` that the CLI renders. Missing
ids fall back to English, then to the id itself, so a new id never crashes a report.

Where a result holds a plain string (``messages``, exercise ``notes``), the string is a *coded*
message (``encode``: ``"<id>:<params as JSON>"``) that ``render`` turns into the reader's
language; a string that is not one is shown as it is.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from autograder.messages import FRAGMENTS

LANGUAGES = ("pt", "en")

_FEEDBACK: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "pt": MappingProxyType({
        # ---- grading rules said to students and TAs (api, execute, cache_replay, report) ----
        "not_enforced_memory": "O limite de memória de {memory_mb} MB NÃO é aplicado: /proc não está "
                               "disponível para medir o kernel.",
        "not_enforced_disk": "O limite de disco NÃO é aplicado: o vigia precisa de /proc.",
        "not_enforced_processes": "O limite de processos é aplicado só pelo vigia: RLIMIT_NPROC conta "
                                  "todo processo do usuário do corretor (e o root o ignora); uma "
                                  "bomba de fork rápida pode passar da verificação de 0,2 s, e "
                                  "processos que saem da sessão do kernel podem sobreviver a ele.",
        "not_enforced_network": "O isolamento de rede NÃO é aplicado: o kernel alcança a rede e os "
                                "serviços locais da máquina{reason}.",
        "not_enforced_filesystem": "O isolamento de arquivos NÃO é aplicado: o kernel roda como o "
                                   "usuário do corretor e lê e escreve tudo o que ele pode, inclusive "
                                   "gabaritos e o código do corretor{reason}.",
        "not_enforced_datasets": "A pasta dos conjuntos de dados é ligada na home, não montada só "
                                 "para leitura.",
        "submission_foreign": "Este caderno pertence à atividade {notebook!r}, não a {assignment!r}: "
                              "não foi corrigido.",
        "profile_mismatch": "ATENÇÃO: este caderno foi gerado para o perfil {notebook!r}, mas foi "
                            "corrigido com o gabarito do perfil {key!r}. As células do professor "
                            "foram restauradas na versão do gabarito (daí \"editada\" abaixo) e as "
                            "notas valem para o perfil {key!r}, não para o caderno entregue.",
        "invalid_not_utf8": "O arquivo não é texto UTF-8, então não é um caderno Jupyter. Envie o "
                            "arquivo .ipynb salvo pelo Jupyter.",
        "invalid_not_json": "O caderno não é um JSON válido (linha {line}, coluna {column}). Abra-o no "
                            "Jupyter, salve de novo e reenvie o .ipynb.",
        "invalid_not_json_unknown": "O caderno não é um JSON válido. Abra-o no Jupyter, salve de novo "
                                    "e reenvie o .ipynb.",
        "invalid_too_large": "O caderno passa do limite de {limit_mb} MB. Limpe as saídas (Kernel > "
                             "Restart & Clear Output) e reenvie.",
        "invalid_no_cells": "O caderno não tem uma lista de células. Envie o arquivo .ipynb salvo pelo "
                            "Jupyter.",
        "invalid_unreadable": "O caderno não pôde ser lido ({detail}). Envie o arquivo .ipynb salvo "
                              "pelo Jupyter.",
        "unknown_cell_ids": "{count} célula(s) têm identificadores que esta atividade não conhece "
                            "(por exemplo {example}); foram executadas como código do aluno.",
        "not_handed_out": "Nenhuma célula deste caderno tem as marcas da atividade: não é o caderno "
                          "distribuído. As células do professor foram restauradas a partir do original.",
        "limit_Timeout": "O tempo do exercício ({budget}) acabou.",
        "limit_MemoryLimitExceeded": "O kernel usou mais memória do que o permitido ({memory}).",
        "limit_ProcessLimitExceeded": "O kernel criou mais processos e threads do que o permitido.",
        "limit_DiskLimitExceeded": "Os arquivos escritos pelo kernel passaram do limite de disco.",
        "limit_KernelDied": "O processo do kernel morreu (por exemplo os._exit ou uma falha em "
                            "código nativo).",
        "rule_error": "Como foi lido: a célula levantou um erro; o que as partes anteriores e as "
                      "alternativas atribuíram antes dele foi lido, o resto do exercício não rodou.",
        "rule_interrupted": "Como foi lido: a célula foi interrompida no fim do tempo e o kernel "
                            "sobreviveu; como depois de um erro, o que já tinha sido atribuído foi lido.",
        "rule_killed": "Como foi lido: o kernel precisou ser encerrado à força, e o que este exercício "
                       "tinha atribuído até ali se perdeu; as alternativas das células seguintes "
                       "rodaram num kernel novo e foram lidas.",
        "note_interrupted": "A célula foi interrompida no limite de tempo; o kernel sobreviveu.",
        "note_kernel_restarted": "O kernel foi encerrado e reiniciado.",
        "note_guard_restarted": "O código de um exercício anterior desfez a proteção do corretor; o "
                                "kernel foi reiniciado antes deste exercício.",
        "note_audit": "Auditoria: este exercício foi sorteado para ser re-executado por completo.",
        "note_replay_mismatch": "A verificação rápida não confirmou os valores enviados ({reason}); o "
                                "exercício foi re-executado por completo.",
        "note_replay_not_covered": "Re-executado por completo: a verificação rápida não cobre a "
                                   "verificação {check}.",
        "note_replay_no_weights": "Re-executado por completo: a autoverificação não salvou os pesos "
                                  "de `{name}`.",
        "replay_no_value": "`{name}` não foi salvo pela autoverificação",
        "replay_steps": "`{name}`: {submitted} passos por época enviados, {replayed} na repetição",
        "replay_epochs_ignored": "`{name}` não treinou as {given} épocas dadas a `epochs`",
        "replay_submitted_epochs": "`{name}` enviado tem {submitted} épocas, esperado {want}",
        "replay_metric_missing": "`{name}`: falta {metric} ou tem menos épocas que a repetição",
        "replay_epoch": "`{name}`: {metric} na época {epoch} é {submitted} no envio e {replayed} na "
                        "repetição",
        "replay_model": "`{name}`: {what} difere da repetição",
        "replay_data": "`{name}`: os dados diferem da repetição",
        "replay_weights_unusable": "os pesos enviados não servem nos modelos da repetição",
        "replay_score": "`{name}` enviado é {submitted}, mas os pesos enviados dão {recomputed}",
        "replay_last_epoch": "`{name}`: {metric} na última época é {submitted} no envio, mas os pesos "
                             "enviados dão {recomputed}",
        "replay_ended": "a repetição terminou com \"{status}\"",
        "verification_letter_only": "só a alternativa é lida",
        "report_time_of": "{seconds} de {budget}",
        "report_time_rule": "Limite de tempo por exercício: max({floor} s, {factor} × {reference}), "
                            "medido neste gabarito.",
        "report_time_reference_fastest_run": "o tempo da execução mais rápida registrada",
        "report_time_reference_slowest_run": "o tempo da execução mais lenta registrada",
        "report_time_reference_given": "o tempo de referência dado ao corretor",
        "report_restored": "Células do professor restauradas",
        "restored_edited": "{cell} (editada: a versão original foi usada)",
        "restored_deleted": "{cell} (apagada: foi reposta)",
        "report_exact_values": "Números arredondados a 4 algarismos significativos; os valores exatos "
                               "estão no arquivo de resultado (e ao passar o mouse, no HTML).",
        "tolerance_band": "em {intervals}",
        "tolerance_ascending": "ordem crescente: {order}",
        "shape_detail": "obtido {obtained}, esperado {expected}",
        "kind_number": "número",
        "kind_list": "lista",
        "kind_text": "texto",
        "kind_mapping": "dicionário",
        "kind_missing": "nada",
        "kind_bool": "booleano",
        "detail_items": "{n} elemento(s)",
        "drift_summary": "Exercício {number}: a resposta oficial ({official}) é sustentada por "
                         "{supporting} de {runs} execuções de hoje ({status}).",
        "drift_status": "Exercício {number}: {status}.",
        "drift_status_holds": "se confirma",
        "drift_status_reproduces": "se reproduz",
        "drift_status_weak": "se confirma fracamente",
        "drift_status_does_not_hold": "não se confirma",
        "key_env_library": "O gabarito foi construído com {name} {key_version}, e esta máquina tem "
                           "{here}: os números de treino podem diferir. Reconstrua o gabarito aqui "
                           "(`autograder key build --profile full`) antes de corrigir.",
        "key_env_python": "O gabarito foi construído com Python {key_version}; aqui é {here}.",
        "key_env_numpy": "O gabarito foi construído com NumPy {key_version}; aqui é {here}.",
        "cli_zip_use_batch": "{path} é um arquivo zip: uma turma inteira. Use `autograder "
                             "grade-batch {path} --out PASTA`.",
        "cli_corrupt_result": "{name}: {reason}",
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
        "unanswered": "Não respondido: o exercício está como foi entregue.",
        "unsupported": "O valor de `{name}` não é do tipo esperado ({detail}).",
        "band_map_partial": "{passed} de {total} tamanhos de batch dentro da faixa aceita.",
        "degenerate_accepted": "Resultado degenerado, mas honesto: aceito sem desconto (veja abaixo).",
        "band_map_degenerate": "{passed} de {total} dentro da faixa aceita; em {degenerate_at} o "
                               "resultado é degenerado, mas honesto, e foi aceito sem desconto (veja "
                               "abaixo).",
        "requires_failed": "Sem crédito: este valor só conta se {requires} estiver correto (o modelo "
                           "ou os dados não são os pedidos).",
        "typed_in": "Sem crédito: `{name}` recebe um número digitado na célula de resposta; ele deve "
                    "ser calculado pelo código.",
        "source_ok": "O código faz o que o enunciado pede.",
        "source_absent": "Não foi encontrado no seu código o trecho que esta verificação examina.",
        "source_violated": "O código não faz o que o enunciado pede (veja o equívoco abaixo).",
        "misconception.value_typed_in": "Número digitado em vez de calculado: a resposta deve sair "
                                        "do código, não ser copiada de uma saída ou do enunciado.",
        "misconception.letter_as_text": "A resposta foi escrita como o texto da alternativa; escreva "
                                        "só a letra, por exemplo `d`.",
        "plot_check_band": "faixa aceita na última época (verificação)",
        "plot_degenerate": "resultado degenerado aceito",
        "status_ok": "executado sem erros",
        "progress_grading": "Corrigindo",
        "progress_running": "{exercise}: executando…",
        "progress_finished": "{exercise}: {status} em {seconds} s ({done}/{total})",
        "status_error": "erro ao executar",
        "status_timeout": "tempo esgotado",
        "status_memory": "limite de memória excedido",
        "status_dead": "o kernel morreu (processo encerrado)",
        "status_output_limit": "saída grande demais (truncada)",
        "status_not_run": "não executado",
        "status_unanswered": "não respondido",
        "status_not_computed": "exercício conceitual",
        "verification_executed": "re-executado pelo corretor",
        "verification_cached": "resultado reaproveitado (código e entradas idênticos)",
        "verification_replay_verified": "verificado por repetição das primeiras épocas",
        "verification_not_executed": "não executado",
        "error_in_cell": "Erro na célula {cell}, linha {line}: {ename}: {evalue}",
        "limit_not_enforced": "Limite não aplicado neste sistema: {what}",
        # ---- reports, class summary and LMS exports (autograder.report, autograder.export) ----
        "wrong_order_hidden": "A ordem das perdas médias está errada.",
        "tolerance_exact": "exato",
        "check_status_pass": "correto",
        "check_status_fail": "incorreto",
        "check_status_missing": "ausente",
        "check_status_invalid": "inválido",
        "check_status_not_run": "não executado",
        "submission_status_graded": "corrigida",
        "submission_status_invalid_submission": "submissão inválida",
        "submission_status_grader_error": "erro do corretor",
        "note_output_limit": "A saída de uma célula passou do limite e foi truncada.",
        "note_probe_failed": "Não foi possível ler as respostas da parte {part}.",
        "note_depends_on_failed": "Não executado porque depende de um exercício que falhou.",
        "note_unanswered": "Não respondido: as células de resposta estão como foram entregues e nenhuma "
                           "célula foi acrescentada, então o exercício não foi executado (0 pontos).",
        "report_title": "Relatório de correção",
        "report_student": "Aluno(a)",
        "report_submission": "Submissão",
        "report_submission_status": "Situação da submissão",
        "report_total": "Nota total",
        "report_exercise": "Exercício {number}: {title}",
        "report_score": "Pontuação",
        "report_status": "Situação",
        "report_verification": "Como foi verificado",
        "report_time": "Tempo",
        "report_check": "Item verificado",
        "report_result": "Resultado",
        "report_points": "Pontos",
        "report_obtained": "Obtido",
        "report_expected": "Esperado",
        "report_tolerance": "Tolerância",
        "report_message": "Comentário",
        "report_misconceptions": "Equívoco identificado",
        "report_error": "Erro original",
        "report_error_cell": "Célula {cell} (contando a partir de 1), linha {line}",
        "report_error_cell_no_line": "Célula {cell} (contando a partir de 1)",
        "report_error_code": "Código",
        "report_traceback": "Traceback completo",
        "report_notes": "Observações",
        "report_plots": "Gráficos",
        "report_overview": "Resumo por exercício",
        "report_details": "Detalhes",
        "report_limits_not_enforced": "Limites do ambiente de correção",
        "report_submission_messages": "Avisos sobre a submissão",
        "report_key_warnings": "Avisos sobre o gabarito",
        "report_drift_note": "A resposta oficial deste exercício não se confirma com as versões atuais "
                             "das bibliotecas; respostas coerentes com os seus próprios números recebem "
                             "crédito.",
        "report_reveal_never": "Os valores esperados e as respostas oficiais não são mostrados neste "
                               "relatório.",
        "report_reveal_after_due": "Os valores esperados e as respostas oficiais serão mostrados após o "
                                   "prazo ({due}).",
        "report_key_hidden_in_plots": "Os gráficos mostram apenas os seus valores; as faixas de "
                                      "referência aparecem quando os valores esperados puderem ser "
                                      "mostrados.",
        "report_generated": "Corrigido em {when} pelo corretor {version} (gabarito {profile}).",
        "plot_epoch": "época",
        "plot_loss": "perda",
        "plot_mse": "perda (MSE)",
        "plot_train": "treino",
        "plot_val": "validação",
        "plot_band": "faixa de resultados honestos",
        "plot_reference": "referência (execução determinística)",
        "plot_yours": "seus valores",
        "plot_batch_size": "tamanho do batch",
        "plot_test_mse": "MSE de teste",
        "plot_score": "nota",
        "plot_students": "submissões",
        "summary_title": "Resumo da turma",
        "summary_count": "{n} submissões lidas.",
        "summary_distribution": "Distribuição das notas",
        "summary_statistic": "Estatística",
        "summary_value": "Valor",
        "summary_min": "mínimo",
        "summary_q1": "1º quartil",
        "summary_median": "mediana",
        "summary_q3": "3º quartil",
        "summary_max": "máximo",
        "summary_mean": "média",
        "summary_per_exercise": "Acerto por exercício",
        "summary_exercise": "Exercício",
        "summary_mean_rate": "Nota média / máxima",
        "summary_full_marks": "Com nota máxima",
        "summary_misconceptions": "Equívocos mais comuns",
        "summary_misconception": "Equívoco",
        "summary_students_with": "Submissões",
        "summary_failures": "Submissões que não rodaram, esgotaram o tempo, morreram ou são inválidas",
        "summary_reason": "Motivo",
        "summary_none": "Nenhum.",
        "summary_drift": "Respostas oficiais que não se confirmam hoje",
        "summary_env_warnings": "Avisos de ambiente do gabarito",
        "summary_skipped": "Arquivos ignorados",
        "summary_key_mismatch": "As submissões foram corrigidas com {n} gabaritos diferentes.",
        "feedback_total": "Nota: {score} de {max}.",
        "feedback_exercise": "Ex. {number}: {score}/{max}",
        "feedback_see_report": "Veja o relatório detalhado.",
        "gs_error_context": "Erro original neste exercício: {error}",
        "gs_expected_title": "Valores esperados (visíveis após o prazo)",
        "gs_grader_failed": "O corretor não conseguiu avaliar esta submissão. Avise a equipe da "
                            "disciplina.",
        "gs_no_submission": "Nenhum arquivo .ipynb foi encontrado na submissão.",
        # ---- late work and submissions (autograder.late, autograder.export) ----
        "late_title": "Entrega atrasada",
        "late_unit_day": "dia(s)",
        "late_unit_hour": "hora(s)",
        "late_penalty": "Entregue em {submitted}, prazo {due} ({span} de atraso): {periods} {unit} "
                        "cobrado(s), {percent}% da nota máxima; nota {raw} − {points} = {final}.",
        "late_estimated": "O sistema marcou a entrega como atrasada sem dizer quando: um período "
                          "({unit}) cobrado, {percent}% da nota máxima; nota {raw} − {points} = {final}.",
        "late_refused": "Entregue em {submitted}, depois do prazo {due}: trabalhos atrasados não são "
                        "aceitos nesta atividade; nota {raw} → {final}.",
        "late_within_grace": "Entregue em {submitted}, dentro da tolerância do prazo {due}: sem desconto.",
        "late_column_raw": "nota sem desconto",
        "late_column_penalty": "desconto por atraso",
        "late_column_final": "nota final",
        "gs_notebook_not_found": "Nenhum notebook da submissão corresponde a {pattern} (encontrados: "
                                 "{found}). Envie o notebook com esse nome.",
        "gs_several_notebooks": "A submissão tem vários notebooks ({found}) e nenhum foi corrigido: "
                                "envie {what}.",
        "gs_one_notebook": "um único notebook",
        "gs_other_notebooks": "Outros notebooks enviados não foram corrigidos: {found}.",
        # ---- TA review in the browser (autograder.review) ----
        "review_title": "Revisão dos monitores",
        "review_signed_in_as": "Monitor(a): {ta}",
        "review_ex": "Ex. {number}",
        "review_col_student": "Aluno(a)",
        "review_col_late": "Atrasada",
        "review_col_flags": "Para revisar",
        "review_class_count": "{n} aluno(s); {k} com algo para revisar.",
        "review_next_to_review": "Próxima para revisar",
        "review_exports": "Exportar",
        "review_export_checks": "CSV de todas as verificações",
        "review_any": "(qualquer)",
        "review_needs_review": "só as que precisam de revisão",
        "review_filter": "Filtrar",
        "review_clear": "Limpar filtros",
        "review_shown": "Mostrando {k} de {n}.",
        "review_overridden": "alterado por um(a) monitor(a)",
        "review_duplicates": "Respostas quase idênticas",
        "review_duplicates_help": "Mesmo código depois de trocar nomes e valores literais por marcadores "
                                  "(comentários e formatação não contam) e as mesmas saídas (tempos de "
                                  "execução ignorados). Não é uma acusação: compare lado a lado.",
        "review_duplicates_group": "Alunos com esta resposta",
        "review_side_by_side": "lado a lado",
        "review_side_by_side_with": "Resposta quase idêntica à de {other}: ver lado a lado",
        "review_pair_title": "{exercise}: {a} e {b}",
        "review_pair_help": "As células de resposta destes alunos têm o mesmo código normalizado ({nodes} "
                            "nós da AST) e as mesmas saídas; {group} aluno(s) têm esta resposta.",
        "review_flag_grader_error": "erro do corretor",
        "review_flag_grader_error_newer": "a tentativa mais recente é um erro do corretor",
        "review_flag_invalid": "submissão inválida",
        "review_flag_timeout": "{exercise}: tempo esgotado",
        "review_flag_crash": "{exercise}: {status}",
        "review_flag_consistency": "{exercise}: crédito por coerência",
        "review_flag_drift": "{exercise}: alternativa oficial não se confirma hoje",
        "review_flag_duplicate": "{exercise}: quase idêntica a {other}",
        "review_flag_duplicates": "quase idêntica a {other} ({n} exercício(s))",
        "review_kind_grader_error": "erros do corretor",
        "review_kind_invalid": "submissões inválidas",
        "review_kind_timeout": "tempo esgotado",
        "review_kind_crash": "erros e quedas do kernel",
        "review_kind_consistency": "crédito por coerência",
        "review_kind_drift": "alternativas que mudaram",
        "review_kind_duplicate": "respostas quase idênticas",
        "review_late": "Entrega marcada como atrasada.",
        "review_no_notebook": "O livro de notas não guarda o notebook desta submissão (o resultado foi "
                              "importado sem ele).",
        "review_notebook_problem": "O notebook não pode ser mostrado: {problem}",
        "review_back_to_class": "Turma",
        "review_back_to_submission": "Voltar à submissão",
        "review_prev": "← anterior para revisar",
        "review_next": "próxima para revisar →",
        "review_student_report": "Relatório do aluno",
        "review_graded_was": "corretor: {score}",
        "review_regrade": "Corrigir de novo",
        "review_regrade_last": "Última recorreção: {state}",
        "review_regrade_queued": "na fila",
        "review_regrade_running": "em andamento",
        "review_regrade_done": "concluída",
        "review_regrade_failed": "falhou",
        "review_regrade_title": "Recorreção de {student}",
        "review_regrade_queued_at": "Na fila (posição {position}).",
        "review_regrade_running_for": "Corrigindo: {done} de {total} exercícios prontos ({seconds} s).",
        "review_regrade_done_as": "Concluída em {seconds} s: tentativa #{attempt}, nota {old} → {new} de "
                                  "{max}.",
        "review_regrade_failed_because": "A recorreção falhou: {reason}",
        "review_regrade_meta": "Pedida por {ta} em {when}.",
        "review_regrade_off": "A recorreção está desligada neste servidor.",
        "review_progress_pending": "aguardando",
        "review_progress_running": "executando…",
        "review_comments": "Comentários para o aluno",
        "review_comment_placeholder": "Um comentário que o aluno lerá no relatório",
        "review_comment_add": "Comentar",
        "review_comment_saved": "Comentário salvo.",
        "review_comment_empty": "O comentário está vazio.",
        "review_comment_refused": "Comentário não salvo: {reason}",
        "review_comment_for_student": "Comentário de {who}: {text}",
        "review_comment_for_student_ex": "Comentário de {who} sobre o {exercise}: {text}",
        "review_intro_cells": "Células antes do primeiro exercício ({n})",
        "review_cell": "Célula {n}",
        "review_role_text": "enunciado",
        "review_role_given": "código dado",
        "review_role_answer": "resposta",
        "review_role_letter": "alternativa",
        "review_role_selfcheck": "autoverificação",
        "review_role_added": "célula do aluno",
        "review_cells": "Células do aluno",
        "review_no_cells": "Nenhuma célula deste exercício no notebook.",
        "review_checks": "Verificações",
        "review_override_check": "Alterar a pontuação desta verificação",
        "review_override_exercise": "Alterar a nota do exercício",
        "review_override_by": "Alterado por {who} em {when}: {why}",
        "review_override_exercise_by": "Nota do exercício alterada para {points} por {who} em {when}: {why}",
        "review_override_saved": "{target}: {points} ponto(s), registrado por {who}.",
        "review_override_refused": "Alteração não salva: {reason}",
        "review_override_undone": "desfeita por {who} em {when}: {why}",
        "review_points_not_a_number": "Pontos inválidos: {value}",
        "review_reason_required": "Diga o motivo da alteração.",
        "review_reason": "Motivo",
        "review_save": "Salvar",
        "review_undo": "Desfazer",
        "review_undo_why": "motivo (opcional)",
        "review_undo_saved": "Alteração de {target} desfeita por {who}.",
        "review_undo_refused": "Não foi possível desfazer: {reason}",
        "review_history": "Histórico",
        "review_overrides": "Alterações",
        "review_attempts": "Tentativas de correção",
        "review_target": "Alvo",
        "review_who": "Quem",
        "review_when": "Quando",
        "review_origin": "Origem",
        "review_key": "Gabarito",
        "review_none_to_review": "Nenhuma outra submissão precisa de revisão.",
        "review_no_student": "Não há submissão de {student} no livro de notas.",
        "review_no_pair": "Este par de respostas não é (mais) quase idêntico.",
        "review_no_regrade": "Recorreção desconhecida (o servidor foi reiniciado?).",
        "review_need_token": "Acesso negado: abra o endereço com o token que `autograder review` mostrou ao "
                             "iniciar.",
        "review_csrf_failed": "Pedido recusado: o formulário expirou ou não veio desta página. Recarregue a "
                              "página e tente de novo.",
        "review_not_found": "Página não encontrada.",
        "review_bad_request": "Pedido inválido.",
    }),
    "en": MappingProxyType({
        # ---- grading rules said to students and TAs (api, execute, cache_replay, report) ----
        "not_enforced_memory": "The memory cap of {memory_mb} MB is NOT enforced: /proc is not "
                               "available to measure the kernel.",
        "not_enforced_disk": "The disk cap is NOT enforced: the watchdog needs /proc.",
        "not_enforced_processes": "The process cap is enforced only by the watchdog: RLIMIT_NPROC "
                                  "counts every process of the grader's user (and root ignores it), "
                                  "so a fast fork bomb can outrun the 0.2 s poll, and processes that "
                                  "leave the kernel's session (setsid) can outlive the kernel.",
        "not_enforced_network": "Network isolation is NOT applied: the kernel can reach the network "
                                "and the host's loopback services{reason}.",
        "not_enforced_filesystem": "Filesystem isolation is NOT applied: the kernel runs as the "
                                   "grader's user and can read and write every file that user can, "
                                   "including answer keys and grader code{reason}.",
        "not_enforced_datasets": "The datasets directory is linked into the home, not mounted "
                                 "read-only.",
        "submission_foreign": "This notebook belongs to the assignment {notebook!r}, not {assignment!r}: "
                              "it was not graded.",
        "profile_mismatch": "WARNING: this notebook was generated for the profile {notebook!r} but "
                            "graded with the key of the profile {key!r}. The instructor's cells were "
                            "restored as the key's profile has them (hence \"edited\" below) and the "
                            "scores are those of the profile {key!r}, not of the notebook handed in.",
        "invalid_not_utf8": "The file is not UTF-8 text, so it is not a Jupyter notebook. Submit the "
                            ".ipynb file saved by Jupyter.",
        "invalid_not_json": "The notebook is not valid JSON (line {line}, column {column}). Open it in "
                            "Jupyter, save it again and resubmit the .ipynb.",
        "invalid_not_json_unknown": "The notebook is not valid JSON. Open it in Jupyter, save it again "
                                    "and resubmit the .ipynb.",
        "invalid_too_large": "The notebook is over the limit of {limit_mb} MB. Clear the outputs "
                             "(Kernel > Restart & Clear Output) and resubmit.",
        "invalid_no_cells": "The notebook has no list of cells. Submit the .ipynb file saved by Jupyter.",
        "invalid_unreadable": "The notebook could not be read ({detail}). Submit the .ipynb file saved "
                              "by Jupyter.",
        "unknown_cell_ids": "{count} cell(s) carry ids this assignment does not know (e.g. {example}); "
                            "they were run as the student's own code.",
        "not_handed_out": "No cell of this notebook carries the assignment's tags: it is not the "
                          "notebook that was handed out. Instructor cells were restored from the source.",
        "limit_Timeout": "The exercise's time budget ({budget}) ran out.",
        "limit_MemoryLimitExceeded": "The kernel used more memory than allowed ({memory}).",
        "limit_ProcessLimitExceeded": "The kernel started more processes and threads than allowed.",
        "limit_DiskLimitExceeded": "The files the kernel wrote went over the disk cap.",
        "limit_KernelDied": "The kernel process died (e.g. os._exit, a crash in native code).",
        "rule_error": "How it was read: the cell raised an error; what the earlier parts and the "
                      "answered letters had assigned before it was read, the rest of the exercise "
                      "did not run.",
        "rule_interrupted": "How it was read: the cell was interrupted when the time ran out and the "
                            "kernel survived; as after an error, what had been assigned was read.",
        "rule_killed": "How it was read: the kernel had to be killed, and what this exercise had "
                       "assigned until then was lost; the letters of the following cells ran in a "
                       "new kernel and were read.",
        "note_interrupted": "The cell was interrupted at the time limit; the kernel survived.",
        "note_kernel_restarted": "The kernel was killed and restarted.",
        "note_guard_restarted": "Code of an earlier exercise undid the grader's guard; the kernel was "
                                "restarted before this exercise.",
        "note_audit": "Audit: this exercise was drawn to be re-executed in full.",
        "note_replay_mismatch": "Fast verification did not confirm the submitted values ({reason}); "
                                "the exercise was re-executed in full.",
        "note_replay_not_covered": "Re-executed in full: fast verification does not cover the check "
                                   "{check}.",
        "note_replay_no_weights": "Re-executed in full: the self-check did not save the weights of "
                                  "`{name}`.",
        "replay_no_value": "`{name}` was not saved by the self-check",
        "replay_steps": "`{name}`: {submitted} steps per epoch submitted, {replayed} in the replay",
        "replay_epochs_ignored": "`{name}` did not train for the {given} epochs given in `epochs`",
        "replay_submitted_epochs": "the submitted `{name}` has {submitted} epochs, expected {want}",
        "replay_metric_missing": "`{name}`: {metric} is missing or shorter than the replay",
        "replay_epoch": "`{name}`: {metric} at epoch {epoch} is {submitted} in the submission but "
                        "{replayed} when replayed",
        "replay_model": "`{name}`: {what} differs from the replay",
        "replay_data": "`{name}`: the data differ from the replay",
        "replay_weights_unusable": "the submitted weights do not fit the replay's models",
        "replay_score": "the submitted `{name}` is {submitted}, but the submitted weights give "
                        "{recomputed}",
        "replay_last_epoch": "`{name}`: {metric} at the last epoch is {submitted} in the submission, "
                             "but the submitted weights give {recomputed}",
        "replay_ended": "the replay ended with \"{status}\"",
        "verification_letter_only": "only the letter is read",
        "report_time_of": "{seconds} of {budget}",
        "report_time_rule": "Time budget per exercise: max({floor} s, {factor} × {reference}), "
                            "measured for this key.",
        "report_time_reference_fastest_run": "the time of the fastest recorded run",
        "report_time_reference_slowest_run": "the time of the slowest recorded run",
        "report_time_reference_given": "the reference time given to the grader",
        "report_restored": "Instructor cells restored",
        "restored_edited": "{cell} (edited: the original was used)",
        "restored_deleted": "{cell} (deleted: it was put back)",
        "report_exact_values": "Numbers rounded to 4 significant digits; the exact values are in the "
                               "result file (and on hover, in the HTML).",
        "tolerance_band": "in {intervals}",
        "tolerance_ascending": "ascending: {order}",
        "shape_detail": "obtained {obtained}, expected {expected}",
        "kind_number": "number",
        "kind_list": "list",
        "kind_text": "text",
        "kind_mapping": "dictionary",
        "kind_missing": "nothing",
        "kind_bool": "boolean",
        "detail_items": "{n} item(s)",
        "drift_summary": "Exercise {number}: the official answer ({official}) is supported by "
                         "{supporting} of {runs} runs today ({status}).",
        "drift_status": "Exercise {number}: {status}.",
        "drift_status_holds": "holds",
        "drift_status_reproduces": "reproduces",
        "drift_status_weak": "holds weakly",
        "drift_status_does_not_hold": "does not hold",
        "key_env_library": "The key was built with {name} {key_version} but this machine has {here}: "
                           "training numbers may differ. Rebuild the key here with `autograder key "
                           "build --profile full` before grading.",
        "key_env_python": "The key was built with Python {key_version}; this is {here}.",
        "key_env_numpy": "The key was built with NumPy {key_version}; this is {here}.",
        "cli_zip_use_batch": "{path} is a zip file: a whole class. Use `autograder grade-batch {path} "
                             "--out DIR`.",
        "cli_corrupt_result": "{name}: {reason}",
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
        "unanswered": "Not answered: the exercise is as handed out.",
        "unsupported": "`{name}` is not of the expected type ({detail}).",
        "band_map_partial": "{passed} of {total} batch sizes inside the accepted band.",
        "degenerate_accepted": "A degenerate but honest outcome: accepted without penalty (see below).",
        "band_map_degenerate": "{passed} of {total} inside the accepted band; at {degenerate_at} the "
                               "outcome is degenerate but honest and was accepted without penalty "
                               "(see below).",
        "requires_failed": "No credit: this value counts only when {requires} is right (the model or "
                           "the data is not the one asked for).",
        "typed_in": "No credit: `{name}` is set to a number typed into the answer cell; it must be "
                    "computed by the code.",
        "source_ok": "The code does what the exercise asks.",
        "source_absent": "The code this check examines was not found in your answer.",
        "source_violated": "The code does not do what the exercise asks (see the misconception below).",
        "misconception.value_typed_in": "A number typed in instead of computed: the answer must come "
                                        "from the code, not be copied from an output or the text.",
        "misconception.letter_as_text": "The answer was written as the option's text; write only the "
                                        "letter, e.g. `d`.",
        "plot_check_band": "band accepted at the last epoch (the check)",
        "plot_degenerate": "degenerate outcome accepted",
        "status_ok": "ran without errors",
        "progress_grading": "Grading",
        "progress_running": "{exercise}: running…",
        "progress_finished": "{exercise}: {status} in {seconds} s ({done}/{total})",
        "status_error": "error while running",
        "status_timeout": "time limit reached",
        "status_memory": "memory limit exceeded",
        "status_dead": "the kernel died (process ended)",
        "status_output_limit": "output too large (truncated)",
        "status_not_run": "not run",
        "status_unanswered": "not answered",
        "status_not_computed": "conceptual exercise",
        "verification_executed": "re-executed by the grader",
        "verification_cached": "reused result (identical code and inputs)",
        "verification_replay_verified": "verified by replaying the first epochs",
        "verification_not_executed": "not executed",
        "error_in_cell": "Error in cell {cell}, line {line}: {ename}: {evalue}",
        "limit_not_enforced": "Limit not applied on this system: {what}",
        # ---- reports, class summary and LMS exports (autograder.report, autograder.export) ----
        "wrong_order_hidden": "The order of the mean losses is wrong.",
        "tolerance_exact": "exact",
        "check_status_pass": "correct",
        "check_status_fail": "wrong",
        "check_status_missing": "missing",
        "check_status_invalid": "invalid",
        "check_status_not_run": "not run",
        "submission_status_graded": "graded",
        "submission_status_invalid_submission": "invalid submission",
        "submission_status_grader_error": "grader error",
        "note_output_limit": "A cell's output went over the limit and was truncated.",
        "note_probe_failed": "The answers of part {part} could not be read.",
        "note_depends_on_failed": "Not run because it depends on an exercise that failed.",
        "note_unanswered": "Not answered: the answer cells are as handed out and no cell was added, "
                           "so the exercise was not run (0 points).",
        "report_title": "Grading report",
        "report_student": "Student",
        "report_submission": "Submission",
        "report_submission_status": "Submission status",
        "report_total": "Total score",
        "report_exercise": "Exercise {number}: {title}",
        "report_score": "Score",
        "report_status": "Status",
        "report_verification": "How it was verified",
        "report_time": "Time",
        "report_check": "Check",
        "report_result": "Result",
        "report_points": "Points",
        "report_obtained": "Obtained",
        "report_expected": "Expected",
        "report_tolerance": "Tolerance",
        "report_message": "Comment",
        "report_misconceptions": "Misconception identified",
        "report_error": "Original error",
        "report_error_cell": "Cell {cell} (counting from 1), line {line}",
        "report_error_cell_no_line": "Cell {cell} (counting from 1)",
        "report_error_code": "Code",
        "report_traceback": "Full traceback",
        "report_notes": "Notes",
        "report_plots": "Plots",
        "report_overview": "Scores by exercise",
        "report_details": "Details",
        "report_limits_not_enforced": "Limits of the grading environment",
        "report_submission_messages": "About the submission",
        "report_key_warnings": "About the answer key",
        "report_drift_note": "This exercise's official answer does not hold with today's library "
                             "versions; answers consistent with your own numbers get credit.",
        "report_reveal_never": "Expected values and official answers are not shown in this report.",
        "report_reveal_after_due": "Expected values and official answers will be shown after the "
                                   "due date ({due}).",
        "report_key_hidden_in_plots": "The plots show only your values; the reference bands appear "
                                      "once expected values may be shown.",
        "report_generated": "Graded on {when} by grader {version} (answer key {profile}).",
        "plot_epoch": "epoch",
        "plot_loss": "loss",
        "plot_mse": "loss (MSE)",
        "plot_train": "training",
        "plot_val": "validation",
        "plot_band": "band of honest results",
        "plot_reference": "reference (deterministic run)",
        "plot_yours": "your values",
        "plot_batch_size": "batch size",
        "plot_test_mse": "test MSE",
        "plot_score": "score",
        "plot_students": "submissions",
        "summary_title": "Class summary",
        "summary_count": "{n} submissions read.",
        "summary_distribution": "Score distribution",
        "summary_statistic": "Statistic",
        "summary_value": "Value",
        "summary_min": "minimum",
        "summary_q1": "1st quartile",
        "summary_median": "median",
        "summary_q3": "3rd quartile",
        "summary_max": "maximum",
        "summary_mean": "mean",
        "summary_per_exercise": "Success by exercise",
        "summary_exercise": "Exercise",
        "summary_mean_rate": "Mean score / maximum",
        "summary_full_marks": "Full marks",
        "summary_misconceptions": "Most common misconceptions",
        "summary_misconception": "Misconception",
        "summary_students_with": "Submissions",
        "summary_failures": "Submissions that failed to run, timed out, died or are invalid",
        "summary_reason": "Reason",
        "summary_none": "None.",
        "summary_drift": "Official answers that do not hold today",
        "summary_env_warnings": "Answer-key environment warnings",
        "summary_skipped": "Files skipped",
        "summary_key_mismatch": "The submissions were graded against {n} different answer keys.",
        "feedback_total": "Score: {score} of {max}.",
        "feedback_exercise": "Ex. {number}: {score}/{max}",
        "feedback_see_report": "See the detailed report.",
        "gs_error_context": "Original error in this exercise: {error}",
        "gs_expected_title": "Expected values (visible after the due date)",
        "gs_grader_failed": "The grader could not grade this submission. Please tell the course staff.",
        "gs_no_submission": "No .ipynb file was found in the submission.",
        # ---- late work and submissions (autograder.late, autograder.export) ----
        "late_title": "Late submission",
        "late_unit_day": "day",
        "late_unit_hour": "hour",
        "late_penalty": "Submitted {submitted}, due {due} ({span} late): {periods} {unit} period(s) "
                        "charged, {percent}% of the maximum; score {raw} − {points} = {final}.",
        "late_estimated": "The LMS marked the submission late without saying when: one {unit} charged, "
                          "{percent}% of the maximum; score {raw} − {points} = {final}.",
        "late_refused": "Submitted {submitted}, after the due date {due}: late work is not accepted for "
                        "this assignment; score {raw} → {final}.",
        "late_within_grace": "Submitted {submitted}, within the grace period of the due date {due}: no "
                             "penalty.",
        "late_column_raw": "score before penalty",
        "late_column_penalty": "late penalty",
        "late_column_final": "final score",
        "gs_notebook_not_found": "No notebook in the submission matches {pattern} (found: {found}). "
                                 "Submit the notebook with that name.",
        "gs_several_notebooks": "The submission has several notebooks ({found}) and none was graded: "
                                "submit {what}.",
        "gs_one_notebook": "a single notebook",
        "gs_other_notebooks": "Other notebooks submitted were not graded: {found}.",
        # ---- TA review in the browser (autograder.review) ----
        "review_title": "TA review",
        "review_signed_in_as": "TA: {ta}",
        "review_ex": "Ex. {number}",
        "review_col_student": "Student",
        "review_col_late": "Late",
        "review_col_flags": "To review",
        "review_class_count": "{n} student(s); {k} with something to review.",
        "review_next_to_review": "Next to review",
        "review_exports": "Export",
        "review_export_checks": "CSV of every check",
        "review_any": "(any)",
        "review_needs_review": "only those needing review",
        "review_filter": "Filter",
        "review_clear": "Clear filters",
        "review_shown": "Showing {k} of {n}.",
        "review_overridden": "changed by a TA",
        "review_duplicates": "Near-identical answers",
        "review_duplicates_help": "The same code once names and literal values are replaced by placeholders "
                                  "(comments and formatting do not count) and the same outputs (run times "
                                  "ignored). Not an accusation: compare them side by side.",
        "review_duplicates_group": "Students with this answer",
        "review_side_by_side": "side by side",
        "review_side_by_side_with": "Near-identical to {other}'s answer: see side by side",
        "review_pair_title": "{exercise}: {a} and {b}",
        "review_pair_help": "These students' answer cells have the same normalised code ({nodes} AST nodes) "
                            "and the same outputs; {group} student(s) have this answer.",
        "review_flag_grader_error": "grader error",
        "review_flag_grader_error_newer": "the newest attempt is a grader error",
        "review_flag_invalid": "invalid submission",
        "review_flag_timeout": "{exercise}: timed out",
        "review_flag_crash": "{exercise}: {status}",
        "review_flag_consistency": "{exercise}: consistency credit",
        "review_flag_drift": "{exercise}: the official letter does not hold today",
        "review_flag_duplicate": "{exercise}: near-identical to {other}",
        "review_flag_duplicates": "near-identical to {other} ({n} exercise(s))",
        "review_kind_grader_error": "grader errors",
        "review_kind_invalid": "invalid submissions",
        "review_kind_timeout": "timeouts",
        "review_kind_crash": "errors and kernel crashes",
        "review_kind_consistency": "consistency credit",
        "review_kind_drift": "drifted letters",
        "review_kind_duplicate": "near-identical answers",
        "review_late": "The submission is marked late.",
        "review_no_notebook": "The gradebook does not hold this submission's notebook (its result was "
                              "imported without it).",
        "review_notebook_problem": "The notebook cannot be shown: {problem}",
        "review_back_to_class": "Class",
        "review_back_to_submission": "Back to the submission",
        "review_prev": "← previous to review",
        "review_next": "next to review →",
        "review_student_report": "Student's report",
        "review_graded_was": "grader: {score}",
        "review_regrade": "Regrade",
        "review_regrade_last": "Last regrade: {state}",
        "review_regrade_queued": "queued",
        "review_regrade_running": "running",
        "review_regrade_done": "done",
        "review_regrade_failed": "failed",
        "review_regrade_title": "Regrade of {student}",
        "review_regrade_queued_at": "Queued (position {position}).",
        "review_regrade_running_for": "Grading: {done} of {total} exercises done ({seconds} s).",
        "review_regrade_done_as": "Done in {seconds} s: attempt #{attempt}, score {old} → {new} of {max}.",
        "review_regrade_failed_because": "The regrade failed: {reason}",
        "review_regrade_meta": "Asked for by {ta} at {when}.",
        "review_regrade_off": "Regrading is turned off on this server.",
        "review_progress_pending": "waiting",
        "review_progress_running": "running…",
        "review_comments": "Comments for the student",
        "review_comment_placeholder": "A comment the student will read in the report",
        "review_comment_add": "Comment",
        "review_comment_saved": "Comment saved.",
        "review_comment_empty": "The comment is empty.",
        "review_comment_refused": "Comment not saved: {reason}",
        "review_comment_for_student": "Comment from {who}: {text}",
        "review_comment_for_student_ex": "Comment from {who} on {exercise}: {text}",
        "review_intro_cells": "Cells before the first exercise ({n})",
        "review_cell": "Cell {n}",
        "review_role_text": "text",
        "review_role_given": "given code",
        "review_role_answer": "answer",
        "review_role_letter": "letter",
        "review_role_selfcheck": "self-check",
        "review_role_added": "student's own cell",
        "review_cells": "The student's cells",
        "review_no_cells": "No cell of this exercise in the notebook.",
        "review_checks": "Checks",
        "review_override_check": "Change this check's points",
        "review_override_exercise": "Change the exercise's score",
        "review_override_by": "Changed by {who} on {when}: {why}",
        "review_override_exercise_by": "Exercise score set to {points} by {who} on {when}: {why}",
        "review_override_saved": "{target}: {points} point(s), recorded for {who}.",
        "review_override_refused": "Change not saved: {reason}",
        "review_override_undone": "undone by {who} on {when}: {why}",
        "review_points_not_a_number": "Not a number of points: {value}",
        "review_reason_required": "Say why you change the points.",
        "review_reason": "Reason",
        "review_save": "Save",
        "review_undo": "Undo",
        "review_undo_why": "reason (optional)",
        "review_undo_saved": "Change of {target} undone by {who}.",
        "review_undo_refused": "Could not undo: {reason}",
        "review_history": "History",
        "review_overrides": "Changes",
        "review_attempts": "Grading attempts",
        "review_target": "Target",
        "review_who": "Who",
        "review_when": "When",
        "review_origin": "Origin",
        "review_key": "Key",
        "review_none_to_review": "No other submission needs review.",
        "review_no_student": "No submission of {student} in the gradebook.",
        "review_no_pair": "This pair of answers is not (or no longer) near-identical.",
        "review_no_regrade": "Unknown regrade (was the server restarted?).",
        "review_need_token": "Access denied: open the URL with the token `autograder review` printed when "
                             "it started.",
        "review_csrf_failed": "Request refused: the form expired or did not come from this page. Reload the "
                              "page and try again.",
        "review_not_found": "Page not found.",
        "review_bad_request": "Bad request.",
    }),
})


def _merged(base: Mapping[str, Mapping[str, str]],
            fragments: Iterable[tuple[str, Mapping[str, tuple[str, str]]]]
            ) -> Mapping[str, Mapping[str, str]]:
    """The feedback catalogue plus the fragments of ``autograder.messages`` (id -> (pt, en));
    an id defined twice is a programming error, caught at import."""
    tables = {lang: dict(base[lang]) for lang in LANGUAGES}
    for name, fragment in fragments:
        for message_id, (pt, en) in fragment.items():
            if message_id in tables["en"]:
                raise RuntimeError(f"message id {message_id!r} (autograder.messages.{name}) is defined twice")
            tables["pt"][message_id], tables["en"][message_id] = pt, en
    return MappingProxyType({lang: MappingProxyType(t) for lang, t in tables.items()})


_CATALOGUE = _merged(_FEEDBACK, FRAGMENTS)


@dataclass(frozen=True)
class Msg:
    """A sentence of the catalogue not yet put in a language: its id and its parameters.

    Errors and the CLI carry these, so what the user reads is rendered once, in their language;
    a parameter that is itself a ``Msg`` is rendered in the same language."""

    id: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, lang: str = "en") -> str:
        return translate(self.id, lang, **self.params)

    def __str__(self) -> str:
        return self.text("en")


Echo = Callable[[Msg], None]
"""Where a library function says something to the operator; the CLI renders it in their language."""


def msg(message_id: str, /, **params: Any) -> Msg:
    """``Msg(message_id, params)``: ``msg("cli_wrote", path=p)``."""
    return Msg(message_id, MappingProxyType(params))


def joined(items: Sequence[Msg], join_id: str = "text_join") -> Msg:
    """``items`` said one after the other, each two joined by the sentence ``join_id``
    (``{first}`` and ``{rest}``: ``text_join`` puts them side by side, ``batch_join_comma`` with a
    comma); joined by halves, so the nesting of ``Msg`` parameters stays shallow however many."""
    if not items:
        return msg("text_join", first="", rest="")
    if len(items) == 1:
        return items[0]
    half = len(items) // 2
    return msg(join_id, first=joined(items[:half], join_id), rest=joined(items[half:], join_id))


def bullets(items: Sequence[Msg], *, dash: bool = True) -> Msg:
    """``items`` as a list below a sentence: a ``"\\n  - item"`` line each (``"\\n  item"`` without
    ``dash``), in the reader's language."""
    return joined([msg("text_bullet" if dash else "text_indented", item=i) for i in items])


def text_of(value: Msg | str, lang: str) -> str:
    """A ``Msg`` in ``lang``; a plain string (a path, a value the user typed) as it is."""
    return value.text(lang) if isinstance(value, Msg) else value


class _Default(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def translate(message_id: str, lang: str = "pt", *,
              extra: Mapping[str, Mapping[str, str]] | None = None, **params: Any) -> str:
    """The sentence for ``message_id`` in ``lang`` with ``params`` filled in; never raises.

    ``extra`` is an assignment's own catalogue (``Assignment.messages``: misconceptions, plot
    titles); it is looked up first. Missing ids fall back to English, then to the id itself."""
    template = None
    for table in ((extra or {}).get(lang), _CATALOGUE.get(lang), (extra or {}).get("en"), _CATALOGUE["en"]):
        if table and table.get(message_id):
            template = table[message_id]
            break
    template = template or message_id
    params = {k: v.text(lang) if isinstance(v, Msg) else v for k, v in params.items()}
    try:
        return template.format_map(_Default(params))
    except (ValueError, TypeError, IndexError):
        return template


def has_message(message_id: str, extra: Mapping[str, Mapping[str, str]] | None = None) -> bool:
    """Whether ``message_id`` is in the engine's catalogue or in ``extra`` (English)."""
    return message_id in _CATALOGUE["en"] or message_id in (extra or {}).get("en", {})


def message_ids(lang: str = "en") -> frozenset[str]:
    return frozenset(_CATALOGUE[lang])


_CODED = re.compile(r"^[a-z][a-z0-9_.]*$")


def encode(message_id: str, **params: Any) -> str:
    """A message kept as plain text in a result: ``"<id>"`` or ``"<id>:<params as JSON>"``."""
    if not params:
        return message_id
    return f"{message_id}:{json.dumps(params, sort_keys=True, ensure_ascii=False, default=str)}"


def decode(text: str, extra: Mapping[str, Mapping[str, str]] | None = None
           ) -> tuple[str, dict[str, Any]] | None:
    """``(id, params)`` of a coded message whose id the catalogue knows, else None."""
    head, sep, rest = str(text).partition(":")
    if not _CODED.match(head) or not has_message(head, extra):
        return None
    if not sep:
        return head, {}
    try:
        params = json.loads(rest)
    except ValueError:
        return None
    return (head, params) if isinstance(params, dict) else None


def _shown(value: Any) -> Any:
    """Numbers in a message: 4 significant digits."""
    if isinstance(value, float) and math.isfinite(value):
        return float(f"{value:.4g}") if abs(value) < 1e15 else value
    if isinstance(value, list):
        return [_shown(v) for v in value[:12]]
    return value


def render(text: str, lang: str = "pt", *, extra: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """A coded message (``encode``) in ``lang``, its numbers rounded; other text as it is."""
    found = decode(text, extra)
    if found is None:
        return str(text)
    mid, params = found
    return translate(mid, lang, extra=extra, **{k: _shown(v) for k, v in params.items()})
