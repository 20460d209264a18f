"""Grading: notebooks, keys, datasets, reports, the example:
their errors and the lines they say to the operator, id -> (Portuguese, English)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # ---- the answer key (autograder.keymodel) ----
    "key_no_quantity": ("O gabarito não tem a grandeza {qid!r}.",
                        "The answer key has no quantity {qid!r}."),
    "key_where_profile": ("gabarito construído com o perfil {profile!r}",
                          "key built with profile {profile!r}"),
    "key_rebuild_with_this_grader": ("reconstrua o gabarito com esta versão do corretor "
                                     "(`autograder key build`).",
                                     "rebuild the key with this version of the grader "
                                     "(`autograder key build`)."),
    "key_not_a_key": ("Este arquivo não é um gabarito.", "This file is not an answer key."),
    "key_not_a_key_fix": ("passe o key.json escrito por `autograder key build`.",
                          "pass the key.json written by `autograder key build`."),
    "key_schema_v1": ("Este gabarito tem a versão de esquema 1 (de antes de as atividades serem "
                      "plug-ins); este corretor lê a versão {version}.",
                      "This answer key has schema version 1 (before assignments were plug-ins); "
                      "this grader reads version {version}."),
    "key_schema_v1_fix": ("monte-o de novo: `autograder key build --assignment NAME --profile PROFILE` "
                          "reaproveita as execuções registradas na pasta runs/ do gabarito (sem "
                          "treino) e escreve um gabarito na versão 2.",
                          "re-assemble it: `autograder key build --assignment NAME --profile PROFILE` "
                          "reuses the recorded runs in the key's runs/ folder (no training) and writes "
                          "a version-2 key."),
    "key_schema_unsupported": ("A versão de esquema {found} do gabarito não é suportada (este corretor "
                               "lê a versão {version}).",
                               "Answer key schema version {found} is not supported (this grader reads "
                               "version {version})."),
    "key_rebuild": ("reconstrua o gabarito com `autograder key build`.",
                    "rebuild the key with `autograder key build`."),
    "key_rebuild_it": ("reconstrua-o com `autograder key build`.",
                       "rebuild it with `autograder key build`."),
    "key_malformed": ("O gabarito está malformado: {detail}", "The answer key is malformed: {detail}"),
    "key_missing": ("Não há gabarito em {path}.", "No answer key at {path}."),
    "key_missing_fix": ("passe --key PATH ({shipped}) ou construa um com "
                        "`autograder key build --profile full`.",
                        "pass --key PATH ({shipped}), or build one with "
                        "`autograder key build --profile full`."),
    "key_shipped_here": ("a atividade traz {path}", "the assignment ships {path}"),
    "key_shipped_each": ("cada atividade traz keys/<profile>/key.json na sua pasta",
                         "each assignment ships keys/<profile>/key.json in its folder"),
    "key_not_json": ("O gabarito não é um JSON válido: {detail}",
                     "The answer key is not valid JSON: {detail}"),

    # ---- reading a submitted notebook (autograder.prepare) ----
    "prepare_too_large": ("O caderno tem {size_mb} MB; o limite é {limit_mb} MB.",
                          "The notebook is {size_mb} MB; the limit is {limit_mb} MB."),
    "prepare_too_large_fix": ("limpe as saídas (Kernel > Restart & Clear Output) e reenvie.",
                              "clear the outputs (Kernel > Restart & Clear Output) and resubmit."),
    "prepare_not_utf8": ("O arquivo não é texto UTF-8, então não é um caderno Jupyter.",
                         "The file is not UTF-8 text, so it is not a Jupyter notebook."),
    "prepare_submit_ipynb": ("envie o arquivo .ipynb salvo pelo Jupyter.",
                             "submit the .ipynb file saved by Jupyter."),
    "prepare_not_json": ("O caderno não é um JSON válido ({detail}).",
                         "The notebook is not valid JSON ({detail})."),
    "prepare_save_again": ("abra-o no Jupyter, salve de novo e reenvie o .ipynb.",
                           "open it in Jupyter, save it again and resubmit the .ipynb."),
    "prepare_unreadable": ("O caderno não pôde ser lido: {error}: {detail}",
                           "The notebook cannot be read: {error}: {detail}"),
    "prepare_no_cells": ("O caderno não tem uma lista de células.", "The notebook has no list of cells."),

    # ---- datasets in the Keras cache (autograder.data) ----
    "data_fix_offline": ("`autograder data install --from DIR` (DIR contém os arquivos do Keras, por "
                         "exemplo ../shared/data)",
                         "`autograder data install --from DIR` (DIR holds the Keras files, e.g. "
                         "../shared/data)"),
    "data_fix_online": ("`autograder data install` (baixa pelo Keras; precisa de internet)",
                        "`autograder data install` (downloads through Keras; needs internet)"),
    "data_declared_twice": ("O conjunto de dados {name!r} está declarado duas vezes com arquivos "
                            "diferentes: {relpath} tem sha256 {first} numa declaração e {second} noutra.",
                            "Dataset {name!r} is declared twice with different files: {relpath} has "
                            "sha256 {first} in one declaration and {second} in another."),
    "data_declared_twice_fix": ("faça as tabelas [datasets] das atividades concordarem (o cache do "
                                "Keras guarda uma só cópia).",
                                "make the assignments' [datasets] tables agree (the Keras cache holds "
                                "one copy)."),
    "data_unknown": ("Conjunto(s) de dados desconhecido(s): {names}.", "Unknown dataset(s): {names}."),
    "data_unknown_fix": ("Escolha entre: {known}.", "Choose among: {known}."),
    "data_none_declared": ("(nenhum conjunto de dados está declarado)", "(no dataset is declared)"),
    "data_file_missing": ("{relpath} não existe (procurado em {path})",
                          "{relpath} is missing (looked for {path})"),
    "data_file_size": ("{relpath} tem {size} bytes, esperados {expected} (sha256 {sha256}); o arquivo "
                       "está truncado ou não é o arquivo do Keras",
                       "{relpath} has {size} bytes, expected {expected} (sha256 {sha256}); the file is "
                       "truncated or not the Keras file"),
    "data_file_sha256": ("{relpath} tem sha256 {sha256}, esperado {expected}; o arquivo está corrompido",
                         "{relpath} has sha256 {sha256}, expected {expected}; the file is corrupt"),
    "data_cache_not_ready": ("O cache de conjuntos de dados do Keras não está pronto:{problems}",
                             "The Keras dataset cache is not ready:{problems}"),
    "data_cache_not_ready_fix": ("execute {offline} para copiar arquivos verificados, ou {online}.",
                                 "run {offline} to copy verified files, or {online}."),
    "data_source_not_ready": ("Não é possível instalar os conjuntos de dados a partir desta "
                              "pasta:{problems}",
                              "Cannot install datasets from this folder:{problems}"),
    "data_source_not_ready_fix": ("aponte --from para uma pasta com cópias idênticas, byte a byte, dos "
                                  "arquivos do Keras (os tamanhos e sha256 estão no assignment.toml da "
                                  "atividade, [datasets]), ou execute {online}.",
                                  "point --from at a folder with byte-identical copies of the Keras "
                                  "files (their sizes and sha256 are in the assignment's "
                                  "assignment.toml, [datasets]), or run {online}."),
    "data_already_there": ("ok      {relpath} (já está em {cache})",
                           "ok      {relpath} (already in {cache})"),
    "data_copied": ("copiado {relpath} -> {dest}", "copied  {relpath} -> {dest}"),
    "data_no_loader": ("O(s) conjunto(s) de dados {names} não pode(m) ser baixado(s) (nenhum loader "
                       "está declarado).",
                       "Dataset(s) {names} cannot be downloaded (no loader is declared)."),
    "data_run_offline": ("execute {offline}.", "run {offline}."),
    "data_download_failed": ("O Keras não conseguiu baixar {name}: {error}: {detail}",
                             "Keras could not download {name}: {error}: {detail}"),
    "data_download_failed_fix": ("sem internet, execute {offline}.", "without internet, run {offline}."),

    # ---- building a key (autograder.keybuild, autograder.keyrun) ----
    "keybuild_not_computed": ("A atividade {assignment!r} não calcula {exercises}.",
                              "Assignment {assignment!r} computes no {exercises}."),
    "keybuild_not_computed_fix": ("escolha entre os exercícios calculados: {computed}.",
                                  "choose among the computed exercises: {computed}."),
    "keybuild_none": ("(nenhum)", "(none)"),
    "keybuild_run_says": ("{prefix} {line}", "{prefix} {line}"),
    "keybuild_run_failed": ("A execução de referência {run} falhou (código de saída {code}).",
                            "Reference run {run} failed (exit code {code})."),
    "keybuild_run_failed_fix": ("leia o log; ao rodar de novo, a construção continua a partir das "
                                "execuções já terminadas.\n{tail}",
                                "read the log; the build resumes from the finished runs when re-run."
                                "\n{tail}"),
    "keybuild_reusing": ("{prefix} {run}: já feita, reaproveitada",
                         "{prefix} {run}: already done, reusing"),
    "keybuild_running": ("{prefix} {run}: executando", "{prefix} {run}: running"),
    "keybuild_finished": ("{prefix} {run}: terminou em {seconds} s",
                          "{prefix} {run}: finished in {seconds} s"),
    "keybuild_written": ("gabarito escrito em {key}; relatório {report}",
                         "key written to {key}; report {report}"),
    "keyrun_not_computed": ("{exercise!r} não é calculado pela atividade {assignment!r}; calculados: "
                            "{computed}",
                            "{exercise!r} is not computed by assignment {assignment!r}; computed: "
                            "{computed}"),
    "keyrun_notebook_start": ("{exercise}: o caderno de solução no kernel do corretor, até {exercise}",
                              "{exercise}: the solution notebook in the grader's kernel, up to {exercise}"),
    "keyrun_notebook_exercise": ("caderno {exercise}: {status}", "notebook {exercise}: {status}"),

    # ---- the example class (autograder.example) ----
    "example_edit_no_cell": ("O exemplo edita a célula {cell!r}, que o caderno de solução não tem.",
                             "The example edits cell {cell!r}, which the solution notebook lacks."),
    "example_edit_no_text": ("A edição do exemplo em {cell!r} procura um texto que a célula não tem: "
                             "{old!r}.",
                             "The example's edit of {cell!r} looks for text the cell lacks: {old!r}."),
    "example_no_letter": ("O exemplo responde ao exercício {number}, que não tem alternativa.",
                          "The example answers exercise {number}, which has no letter."),
    "example_fix_toml": ("corrija o example.toml na pasta da atividade.",
                         "correct example.toml in the assignment's folder."),
    "example_none_installed": ("Nenhuma atividade instalada tem uma turma de exemplo (example.toml).",
                               "No installed assignment has an example class (example.toml)."),
    "example_none_installed_fix": ("passe --assignment NAME|PATH de uma que tenha.",
                                   "pass --assignment NAME|PATH of one that has."),
    "example_missing": ("A atividade {assignment!r} não tem turma de exemplo.",
                        "Assignment {assignment!r} has no example class."),
    "example_missing_fix": ("adicione um example.toml (docs/authoring.md).",
                            "add example.toml (docs/authoring.md)."),
    "example_written": ("turma de exemplo de {assignment} escrita em {path} ({n} alunos):",
                        "example class of {assignment} written to {path} ({n} students):"),
    "example_student": ("  {name}: {story}", "  {name}: {story}"),
    "example_done": ("\npronto: abra {path}", "\ndone: open {path}"),

    # ---- the late policy (autograder.late) ----
    "late_bad_time": ("{text!r} não é uma data-hora ISO 8601 (por exemplo 2026-05-31T23:59:00-03:00)",
                      "{text!r} is not an ISO 8601 date-time (e.g. 2026-05-31T23:59:00-03:00)"),
    "late_bad_grace": ('grace deve ser uma duração como "15m", "2h" ou "1d"; recebido {value!r}',
                       'grace must be a duration such as "15m", "2h" or "1d", got {value!r}'),
    "late_negative_grace": ("grace não pode ser negativo; recebido {value!r}",
                            "grace must not be negative, got {value!r}"),
    "late_bad_percent": ("{name} deve ser uma porcentagem entre 0 e 100; recebido {value!r}",
                         "{name} must be a percentage between 0 and 100, got {value!r}"),
    "late_unknown_keys": ("chave(s) desconhecida(s) {keys} em [late] (conhecidas: {known})",
                          "unknown key(s) {keys} in [late] (known: {known})"),
    "late_day_and_hour": ("dê penalty_per_day ou penalty_per_hour, não os dois",
                          "give penalty_per_day or penalty_per_hour, not both"),
    "late_bad_refuse": ("refuse deve ser true ou false; recebido {value!r}",
                        "refuse must be true or false, got {value!r}"),

    # ---- reading results back (autograder.results) ----
    "result_other_schema": ("não é um resultado de correção (schema={found!r})",
                            "not a grading result (schema={found!r})"),
    "result_version_unsupported": ("a versão de esquema {found} do resultado não é suportada (este "
                                   "corretor lê a versão {version}); corrija de novo ou atualize o "
                                   "corretor",
                                   "result schema version {found} is not supported (this grader reads "
                                   "version {version}); regrade or upgrade the grader"),
    "result_schema_mismatch": ("o resultado não segue o seu esquema: {problems}",
                               "the result does not match its schema: {problems}"),
    "result_unreadable": ("não pode ser lido ({detail})", "cannot be read ({detail})"),
    "result_not_a_result": ("não é um resultado de correção", "not a grading result"),

    # ---- reports (autograder.report) ----
    "report_after_due_needs_due": ("reveal='after_due' precisa da data de entrega: passe due=datetime(...) "
                                   "(ou --due 2024-05-31T23:59 na linha de comando)",
                                   "reveal='after_due' needs the due date: pass due=datetime(...) "
                                   "(or --due 2024-05-31T23:59 on the command line)"),
    "report_bad_reveal": ("{option} deve ser um de {known}; recebido {got!r}",
                          "{option} must be one of {known}, got {got!r}"),
    "report_bad_due": ("a data de entrega {text!r} não está em ISO 8601; escreva, por exemplo, "
                       "2024-05-31T23:59 ou 2024-05-31T23:59-03:00",
                       "due date {text!r} is not ISO 8601; write e.g. 2024-05-31T23:59 or "
                       "2024-05-31T23:59-03:00"),
    "report_foreign_result": ("um resultado da atividade {other!r}, não de {assignment!r} (use "
                              "--assignment {other})",
                              "a result of the assignment {other!r}, not {assignment!r} (use "
                              "--assignment {other})"),
    "report_render_failed": ("o relatório não pôde ser gerado ({error}: {detail})",
                             "the report could not be rendered ({error}: {detail})"),
    "report_skipped": ("ignorado {item}", "skipped {item}"),
    "report_duplicate_id": ("{file}: o id de aluno {student!r} aparece mais de uma vez; este relatório é "
                            "{report}",
                            "{file}: student id {student!r} appears more than once; this report is "
                            "{report}"),
    "report_warning": ("aviso: {message}", "warning: {message}"),
    "report_written": ("{n} relatório(s) de aluno e o resumo da turma escritos em {path}",
                       "{n} student report(s) and the class summary written to {path}"),
    "report_result_not_read": ("erro: arquivo de resultado não lido: {item}",
                               "error: result file not read: {item}"),
}
