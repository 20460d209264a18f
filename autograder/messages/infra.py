"""Batches, Dask, the sandbox, the gradebook, the review server:
their errors and the lines they say to the operator, id -> (Portuguese, English)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # ---- finding the submissions (autograder.batch.discover) ----
    "batch_no_submissions": ("Não há envios em {path}.", "No submissions at {path}."),
    "batch_no_submissions_fix": (
        "passe a pasta ou o .zip baixado do AVA.",
        "pass the folder or .zip downloaded from the LMS.",
    ),
    "batch_zip_unreadable": (
        "Não foi possível abrir {archive} como arquivo zip: {error}",
        "Cannot open {archive} as a zip file: {error}",
    ),
    "batch_zip_unreadable_fix": (
        "passe o .zip baixado do AVA, ou a pasta que ele gera ao ser descompactado.",
        "pass the .zip downloaded from the LMS, or the folder it unzips to.",
    ),
    "batch_zip_too_large": (
        "{archive} tem {members} membros e {mb} MB descompactado, acima do limite de {max_members} membros "
        "e {max_mb} MB.",
        "{archive} holds {members} members and {mb} MB uncompressed, over the limit of {max_members} "
        "members and {max_mb} MB.",
    ),
    "batch_zip_too_large_fix": (
        "confira se é o download dos envios; se for, descompacte-o manualmente.",
        "check that this is the submissions download; unzip it yourself if it is.",
    ),
    "batch_zip_expands": (
        "{archive} passa de {max_mb} MB ao ser descompactado.",
        "{archive} expands past {max_mb} MB.",
    ),
    "batch_zip_expands_fix": (
        "confira se é o download dos envios.",
        "check that this is the submissions download.",
    ),
    "batch_zip_member_nul": ("o nome contém um byte NUL", "the name contains a NUL byte"),
    "batch_zip_member_absolute": ("caminho absoluto", "absolute path"),
    "batch_zip_member_dotdot": ("o caminho sai do arquivo ('..')", "the path leaves the archive ('..')"),
    "batch_zip_member_symlink": ("link simbólico", "symbolic link"),
    "batch_zip_member_outside": ("o caminho sai do arquivo", "the path leaves the archive"),
    "batch_not_extracted": ("não extraído: {reason}.", "not extracted: {reason}."),
    "batch_not_extracted_same_name": (
        "não extraído: outro membro tem o mesmo nome.",
        "not extracted: another member has the same name.",
    ),
    "batch_worksheet_unreadable": (
        "Não foi possível ler a planilha de notas {path}: {error}",
        "Cannot read the grading worksheet {path}: {error}",
    ),
    "batch_worksheet_fix": (
        "passe o CSV de 'Baixar planilha de notas' do Moodle, como o Moodle o gravou.",
        "pass the CSV from Moodle's 'Download grading worksheet', as Moodle wrote it.",
    ),
    "batch_unparseable_moodle": (
        "não segue o formato moodle ('Nome Completo_12345_assignsubmission_file_/...'); não corrigido. "
        "Renomeie-o ou corrija-o à parte com `autograder grade`.",
        "does not follow the moodle layout ('Full Name_12345_assignsubmission_file_/...'); not graded. "
        "Rename it or grade it on its own with `autograder grade`.",
    ),
    "batch_unparseable_canvas": (
        "não segue o formato canvas ('nome_[LATE_]idusuario_idarquivo_arquivo.ipynb'); não corrigido. "
        "Renomeie-o ou corrija-o à parte com `autograder grade`.",
        "does not follow the canvas layout ('name_[LATE_]userid_fileid_file.ipynb'); not graded. Rename it "
        "or grade it on its own with `autograder grade`.",
    ),
    "batch_unparseable_plain": (
        "não segue o formato plain (arquivos '<id do aluno>.ipynb' no nível de cima); não corrigido. "
        "Renomeie-o ou corrija-o à parte com `autograder grade`.",
        "does not follow the plain layout ('<student id>.ipynb' files at the top level); not graded. Rename "
        "it or grade it on its own with `autograder grade`.",
    ),
    "batch_group_members_unknown": (
        "um envio em equipe do grupo {group}: corrigido uma vez; quem está no grupo não se sabe aqui. "
        "Exporte com `autograder export moodle --worksheet <planilha de notas>`: cada membro que a planilha "
        "lista neste grupo (sua coluna Grupo) recebe a nota.",
        "a team submission of the group {group}: graded once; who is in the group is not known here. Export "
        "with `autograder export moodle --worksheet <grading worksheet>`: each member the worksheet lists "
        "in this group (its Group column) gets the grade.",
    ),
    "batch_group_nobody": (
        "um envio em equipe do grupo {group}, mas {worksheet} não lista ninguém nesse grupo: corrigido, e a "
        "nota não vai para ninguém. Confira o nome do grupo no Moodle (Participantes > Grupos) e baixe a "
        "planilha de novo.",
        "a team submission of the group {group}, but {worksheet} lists nobody in that group: graded, and "
        "its grade goes to nobody. Check the group's name in Moodle (Participants > Groups) and download "
        "the worksheet again.",
    ),
    "batch_not_a_notebook": ("não é um arquivo .ipynb; ignorado.", "not a .ipynb file; ignored."),
    "batch_yaml_line": ("linha {line}: {problem}", "line {line}: {problem}"),
    "batch_yaml_invalid": ("linha {line}: YAML inválido", "line {line}: invalid YAML"),
    "batch_gs_entry_not_mapping": ("sua entrada não é um mapeamento", "its entry is not a mapping"),
    "batch_gs_submitters_not_list": (":submitters: não é uma lista", ":submitters: is not a list"),
    "batch_gs_submitter_not_mapping": (
        "um item de :submitters: não é um mapeamento",
        "a submitter under :submitters: is not a mapping",
    ),
    "batch_gs_not_entries": (
        "contém um {kind} YAML, não uma entrada por pasta",
        "it holds a YAML {kind}, not one entry per folder",
    ),
    "batch_gs_not_folder_entry": (
        "linha {line}: não é uma entrada 'pasta:'",
        "line {line}: not a 'folder:' entry",
    ),
    "batch_gs_unreadable": ("Não foi possível ler {path}: {error}", "Cannot read {path}: {error}"),
    "batch_gs_unreadable_fix": (
        "baixe de novo a exportação do Gradescope (Review Grades > Export Submissions).",
        "re-download the export from Gradescope (Review Grades > Export Submissions).",
    ),
    "batch_gs_unusable": (
        "{file} não pode ser usado ({why}); não corrigido.",
        "{file} cannot be used ({why}); not graded.",
    ),
    "batch_gs_entry_malformed": (
        "sua entrada em {file} está malformada ({why}); não corrigido.",
        "its entry in {file} is malformed ({why}); not graded.",
    ),
    "batch_gs_not_listed": (
        "não está listado em {file}; não corrigido.",
        "not listed in {file}; not graded.",
    ),
    "batch_gs_entry_no_folder": (
        "a entrada {entry} está malformada ({why}) e não nomeia nenhuma pasta.",
        "the entry {entry} is malformed ({why}) and names no folder.",
    ),
    "batch_gs_folder_missing": (
        "listado em {file}, mas a pasta não existe.",
        "listed in {file} but the folder is missing.",
    ),
    "batch_gs_no_submitters": ("nenhum autor para ele em {file}.", "no submitters for it in {file}."),
    "batch_gs_no_sid": (
        "o autor {submitter} não tem SID nem e-mail; não corrigido.",
        "submitter {submitter} has neither SID nor e-mail; not graded.",
    ),
    "batch_no_notebook": (
        "{who} não enviou nenhum arquivo .ipynb (encontrado: {found}).",
        "{who} submitted no .ipynb file (found: {found}).",
    ),
    "batch_no_notebook_nothing": (
        "{who} não enviou nenhum arquivo .ipynb (encontrado: nada).",
        "{who} submitted no .ipynb file (found: nothing).",
    ),
    "batch_several_notebooks": (
        "{who} tem {n} cadernos; foi corrigido o mais recente, {chosen}; este não foi corrigido.",
        "{who} has {n} notebooks; graded the newest, {chosen}; this one was not graded.",
    ),
    # ---- a submission the grader could not finish (autograder.batch.jobs, executors, dask_executor) ----
    "batch_failed_error": (
        "O corretor falhou neste envio: {error}. Um monitor precisa examiná-lo (log: {log}).",
        "The grader failed on this submission: {error}. A TA must look at it (log: {log}).",
    ),
    "batch_failed_killed": (
        "O corretor falhou neste envio: o processo de correção foi encerrado por {signal} antes de gravar "
        "um resultado. Um monitor precisa examiná-lo (log: {log}).",
        "The grader failed on this submission: the grading process was killed by {signal} before it wrote a "
        "result. A TA must look at it (log: {log}).",
    ),
    "batch_failed_killed_oom": (
        "O corretor falhou neste envio: o processo de correção foi encerrado por {signal} (falta de "
        "memória?) antes de gravar um resultado. Um monitor precisa examiná-lo (log: {log}).",
        "The grader failed on this submission: the grading process was killed by {signal} (out of memory?) "
        "before it wrote a result. A TA must look at it (log: {log}).",
    ),
    "batch_failed_exit": (
        "O corretor falhou neste envio: o processo de correção terminou com o código {code} antes de gravar "
        "um resultado. Um monitor precisa examiná-lo (log: {log}).",
        "The grader failed on this submission: the grading process exited with code {code} before it wrote "
        "a result. A TA must look at it (log: {log}).",
    ),
    "batch_failed_executor": (
        "O corretor falhou neste envio: o executor falhou: {error}. Um monitor precisa examiná-lo (log: "
        "{log}).",
        "The grader failed on this submission: the executor failed: {error}. A TA must look at it (log: "
        "{log}).",
    ),
    "batch_failed_dask_killed": (
        "O corretor falhou neste envio: todo worker do Dask que o corrigiu morreu ({tries} tentativas, a "
        "última em {worker}; o allowed-failures do Dask é {allowed}): ele pode esgotar a memória ou matar "
        "seu worker. Um monitor precisa examiná-lo (log: {log}).",
        "The grader failed on this submission: every Dask worker that graded it died ({tries} tries, the "
        "last on {worker}; Dask's allowed-failures is {allowed}): it may exhaust the memory or kill its "
        "worker. A TA must look at it (log: {log}).",
    ),
    "batch_failed_dask_task": (
        "O corretor falhou neste envio: a tarefa do Dask falhou: {error}. Um monitor precisa examiná-lo "
        "(log: {log}).",
        "The grader failed on this submission: the Dask task failed: {error}. A TA must look at it (log: "
        "{log}).",
    ),
    # ---- progress of a batch (autograder.batch.progress) ----
    "batch_status_graded": ("corrigida", "graded"),
    "batch_status_invalid_submission": ("envio inválido", "invalid_submission"),
    "batch_status_grader_error": ("erro do corretor", "grader_error"),
    "batch_status_count": ("{status} {n}", "{status} {n}"),
    "batch_progress_start": ("corrigindo {total} envio(s)", "grading {total} submission(s)"),
    "batch_progress_start_kept": (
        "corrigindo {total} envio(s) ({kept} já corrigido(s) e sem mudança: mantido(s))",
        "grading {total} submission(s) ({kept} already graded and unchanged: kept)",
    ),
    "batch_progress_counts": (
        "{done}/{total} prontos, {failed} com falha | {elapsed} decorridos",
        "{done}/{total} done, {failed} failed | {elapsed} elapsed",
    ),
    "batch_progress_eta": ("{counts} | faltam {eta}", "{counts} | ETA {eta}"),
    "batch_progress_line": (
        "[{counts}] {student}: {status} {score}/{max} ({seconds}s)",
        "[{counts}] {student}: {status} {score}/{max} ({seconds}s)",
    ),
    "batch_progress_line_error": (
        "[{counts}] {student}: {status}: {reason} ({seconds}s)",
        "[{counts}] {student}: {status}: {reason} ({seconds}s)",
    ),
    "batch_progress_finished": ("concluído: {counts}", "finished: {counts}"),
    # ---- the batch and its summary (autograder.batch.runner) ----
    "batch_nothing_to_grade": (
        "Nenhum caderno para corrigir em {path} (formato: {layout}).",
        "No notebook to grade in {path} (layout: {layout}).",
    ),
    "batch_nothing_to_grade_fix": (
        "confira o caminho; problems.txt diz o que foi encontrado no lugar.",
        "check the path; problems.txt says what was found instead.",
    ),
    "batch_no_problems": (
        "nenhum problema: toda entrada foi entendida",
        "no problems: every entry was understood",
    ),
    "batch_gradebook_unreadable": (
        "{student}: o livro de notas não pôde ser lido ({error})",
        "{student}: the gradebook could not be read ({error})",
    ),
    "batch_gradebook_not_recorded": (
        "{student}: não registrado no livro de notas ({error})",
        "{student}: not recorded in the gradebook ({error})",
    ),
    "batch_table": (
        "{student:<{w_student}}  {score:<{w_score}}  {status:<{w_status}}  {time}",
        "{student:<{w_student}}  {score:<{w_score}}  {status:<{w_status}}  {time}",
    ),
    "batch_table_student": ("aluno", "student"),
    "batch_table_score": ("nota", "score"),
    "batch_table_status": ("situação", "status"),
    "batch_table_time": ("tempo", "time"),
    "batch_table_rule": ("{rule}", "{rule}"),
    "batch_status_late": ("{status} (atrasada)", "{status} (late)"),
    "batch_kept": ("mantida", "kept"),
    "batch_interrupted": (
        "interrompido: os resultados gravados até aqui ficam; rode o mesmo comando de novo para corrigir o "
        "resto.",
        "interrupted: the results written so far are kept; run the same command again to grade the rest.",
    ),
    "batch_footer_counts": (
        "{n} envio(s) ({kept} mantido(s) de uma execução anterior), {errors} erro(s) do corretor, "
        "{problems} problema(s) de descoberta (veja {problems_file}).",
        "{n} submission(s) ({kept} kept from an earlier run), {errors} grader error(s), {problems} "
        "discovery problem(s) (see {problems_file}).",
    ),
    "batch_footer_files": (
        "Resultados: {results}; resumo: {summary}.",
        "Results: {results}; summary: {summary}.",
    ),
    "batch_footer_gradebook": ("Livro de notas: {gradebook}.", "Gradebook: {gradebook}."),
    "batch_warning": ("aviso: {message}", "warning: {message}"),
    "batch_not_in_gradebook": (
        "aviso: {n} resultado(s) não estão no livro de notas; quando ele funcionar, rode `autograder "
        "gradebook import {results} --gradebook ...`.",
        "warning: {n} result(s) are not in the gradebook; once it works, run `autograder gradebook import "
        "{results} --gradebook ...`.",
    ),
    # ---- grading on Dask (autograder.batch.dask_executor) ----
    "batch_cluster_spec": (
        "--cluster deve ser local ou local:N (N workers nesta máquina), recebido {spec}",
        "--cluster must be local or local:N (N workers on this machine), got {spec}",
    ),
    "batch_dask_unreachable": (
        "Não foi possível alcançar o scheduler do Dask em {scheduler}: {error}",
        "Cannot reach the Dask scheduler at {scheduler}: {error}",
    ),
    "batch_dask_unreachable_fix": (
        "inicie-o (`dask scheduler`) e confira o endereço, a porta e as configurações de TLS (README: "
        "distributed grading).",
        "start it (`dask scheduler`) and check the address, port and TLS settings (README: distributed "
        "grading).",
    ),
    "batch_dask_no_worker": (
        "Nenhum worker do Dask consegue corrigir este lote ({detail}).",
        "No Dask worker can grade this batch ({detail}).",
    ),
    "batch_dask_no_worker_fix": (
        "resolva o que os workers dizem (README: distributed grading), ou corrija nesta máquina sem "
        "--scheduler/--cluster.",
        "fix what the workers say (README: distributed grading), or grade on this machine without "
        "--scheduler/--cluster.",
    ),
    "batch_dask_no_worker_connected": ("nenhum worker conectado", "no worker connected"),
    "batch_dask_worker_problem": ("{worker}: {line}", "{worker}: {line}"),
    "batch_dask_worker": ("worker do dask {worker}: {line}", "dask worker {worker}: {line}"),
    "batch_dask_worker_leaves": (
        "worker do dask {worker}: {line} (ele sai do cluster)",
        "dask worker {worker}: {line} (it leaves the cluster)",
    ),
    "batch_join_comma": ("{first}, {rest}", "{first}, {rest}"),
    "batch_join_semicolon": ("{first}; {rest}", "{first}; {rest}"),
    "batch_worker_said": ("{line}", "{line}"),
    "batch_worker_unknown": (
        "o worker não disse se consegue corrigir",
        "the worker did not say whether it can grade",
    ),
    "batch_worker_version": (
        "versão {here} do corretor aqui, o lote precisa da {needs}: instale o mesmo dl-autograder em todo "
        "worker",
        "grader version {here} here, the batch needs {needs}: install the same dl-autograder on every worker",
    ),
    "batch_worker_contract": (
        "a atividade {assignment} aqui ({root}) tem outro contrato (sha256 {here}…, o do lote é {batch}…): "
        "instale a mesma versão",
        "the assignment {assignment} here ({root}) has another contract (sha256 {here}…, the batch's is "
        "{batch}…): install the same version",
    ),
    "batch_worker_error_where": ("{error} Onde: {where}", "{error} Where: {where}"),
    "batch_worker_error_fix": ("{error} O que fazer: {fix}", "{error} What to do: {fix}"),
    "batch_worker_no_bubblewrap": (
        "o bubblewrap não roda aqui ({problem}) e o lote pede --backend bubblewrap: instale o bubblewrap "
        "(apt-get install bubblewrap) ou permita user namespaces",
        "bubblewrap cannot run here ({problem}) and the batch asks for --backend bubblewrap: install "
        "bubblewrap (apt-get install bubblewrap) or allow user namespaces",
    ),
    "batch_worker_bubblewrap": ("bubblewrap", "bubblewrap"),
    "batch_worker_no_isolation": (
        "SEM ISOLAMENTO: o bubblewrap não roda aqui ({problem}); os resultados dizem o que não foi aplicado",
        "NO ISOLATION: bubblewrap cannot run here ({problem}); results say what was not enforced",
    ),
    "batch_worker_backend_none": ("sem isolamento (--backend none)", "no isolation (--backend none)"),
    "batch_worker_memory": (
        "ATENÇÃO: {nthreads} threads, mas memória para {slots} correção(ões) (~1,5 GB cada): inicie-o com "
        "--nthreads {slots}",
        "WARNING: {nthreads} threads but memory for {slots} grading(s) (~1.5 GB each): start it with "
        "--nthreads {slots}",
    ),
    "batch_worker_ready": (
        "pronto: {slots} vaga(s) de correção, {assignment} {version}, conjuntos de dados verificados em "
        "{datasets}, {notes}",
        "ready: {slots} grading slot(s), {assignment} {version}, datasets verified in {datasets}, {notes}",
    ),
    # ---- the gradebook (autograder.gradebook) ----
    "gradebook_no_folder": (
        "Não há pasta para o livro de notas em {path}.",
        "No folder for the gradebook at {path}.",
    ),
    "gradebook_no_folder_fix": (
        "crie a pasta, ou passe --gradebook com outro caminho.",
        "create the folder, or pass --gradebook with another path.",
    ),
    "gradebook_missing": ("Não há livro de notas em {path}.", "No gradebook at {path}."),
    "gradebook_missing_fix": (
        "confira o caminho: grade-batch grava OUT/gradebook.sqlite ao lado dos resultados; `autograder "
        "gradebook import RESULTS_DIR` cria um.",
        "check the path: grade-batch writes OUT/gradebook.sqlite next to the results; `autograder gradebook "
        "import RESULTS_DIR` builds one.",
    ),
    "gradebook_schema_newer": (
        "O esquema do livro de notas ({revision}) é mais novo do que este corretor conhece.",
        "The gradebook's schema ({revision}) is newer than this grader knows.",
    ),
    "gradebook_schema_newer_fix": (
        "atualize o dl-autograder nesta máquina.",
        "upgrade dl-autograder on this machine.",
    ),
    "gradebook_cannot_open": (
        "Não foi possível abrir o livro de notas: {error}",
        "Cannot open the gradebook: {error}",
    ),
    "gradebook_cannot_open_fix": (
        "confira o caminho ou a URL (e, no PostgreSQL, se o servidor está rodando).",
        "check the path or URL (and that the server runs, for PostgreSQL).",
    ),
    "gradebook_assignments": (
        "O livro de notas tem {n} atividades ({names}).",
        "The gradebook holds {n} assignments ({names}).",
    ),
    "gradebook_several": (
        "O livro de notas tem várias atividades ({names}).",
        "The gradebook holds several assignments ({names}).",
    ),
    "gradebook_pass_assignment": ("passe --assignment NOME.", "pass --assignment NAME."),
    "gradebook_empty": ("O livro de notas ainda não tem nenhuma nota.", "The gradebook holds no grade yet."),
    "gradebook_empty_fix": (
        "corrija uma turma com `autograder grade-batch ... --gradebook` primeiro.",
        "grade a class with `autograder grade-batch ... --gradebook` first.",
    ),
    "gradebook_export_from": (
        "do livro de notas {where}: {n} aluno(s) de {assignment}, a nota mais recente de cada um com as "
        "alterações aplicadas:",
        "from the gradebook {where}: {n} student(s) of {assignment}, the latest grade of each with "
        "overrides applied:",
    ),
    "gradebook_export_grade": ("  {grade}", "  {grade}"),
    "gradebook_attempt": (
        "tentativa #{id} (corrigida em {graded} UTC, gabarito {key}…, corretor {grader}, {mode})",
        "attempt #{id} (graded {graded} UTC, key {key}…, grader {grader}, {mode})",
    ),
    "gradebook_grade": ("{student}: {score}/{max} da {attempt}", "{student}: {score}/{max} from {attempt}"),
    "gradebook_grade_overrides": (
        "{grade}, {n} alteração(ões) aplicada(s)",
        "{grade}, {n} override(s) applied",
    ),
    "gradebook_grade_note": ("{grade}; {note}", "{grade}; {note}"),
    "gradebook_note_newest_failed": (
        "a tentativa mais recente, #{id}, é um {status}: a nota é de uma anterior",
        "the newest attempt #{id} is a {status}: the grade is from an earlier one",
    ),
    "gradebook_note_other_overrides": (
        "{n} alteração(ões) em outro envio não aplicada(s)",
        "{n} override(s) on another submission not applied",
    ),
    "gradebook_no_attempt": ("não há tentativa #{id} no livro de notas", "no attempt #{id} in the gradebook"),
    "gradebook_attempt_of_other": (
        "a tentativa #{id} é de {owner}, não de {student}",
        "attempt #{id} is {owner}'s, not {student}'s",
    ),
    "gradebook_no_grade": (
        "não há nota de {student} para {assignment} no livro de notas",
        "no grade of {student} for {assignment} in the gradebook",
    ),
    "gradebook_no_override": (
        "não há alteração #{id} no livro de notas",
        "no override #{id} in the gradebook",
    ),
    "gradebook_no_student": (
        "não há aluno {student} no livro de notas",
        "no student {student} in the gradebook",
    ),
    "gradebook_result_no_student": ("o resultado não nomeia nenhum aluno", "the result names no student"),
    "gradebook_override_needs_who_why": (
        "uma alteração precisa de quem a fez e por quê",
        "an override needs who made it and why",
    ),
    "gradebook_already_undone": (
        "a alteração #{id} já foi desfeita por {who} em {when} UTC",
        "override #{id} was already undone by {who} on {when} UTC",
    ),
    "gradebook_undo_needs_who": (
        "desfazer uma alteração precisa de quem a desfaz",
        "undoing an override needs who undoes it",
    ),
    "gradebook_comment_needs_text_who": (
        "um comentário precisa do texto e de quem o escreveu",
        "a comment needs its text and who wrote it",
    ),
    "gradebook_bad_target": (
        "o alvo deve ser EXERCÍCIO ou EXERCÍCIO:VERIFICAÇÃO, recebido {target}",
        "the target must be EXERCISE or EXERCISE:CHECK, got {target}",
    ),
    "gradebook_no_exercise": (
        "não há exercício {exercise} neste resultado (exercícios: {known})",
        "no exercise {exercise} in this result (exercises: {known})",
    ),
    "gradebook_no_exercise_none": (
        "não há exercício {exercise} neste resultado (exercícios: nenhum; o resultado não tem exercícios)",
        "no exercise {exercise} in this result (exercises: none (the result has no exercises))",
    ),
    "gradebook_no_check": (
        "não há verificação {check} no exercício {exercise} (verificações: {known})",
        "no check {check} in exercise {exercise} (checks: {known})",
    ),
    "gradebook_no_check_none": (
        "não há verificação {check} no exercício {exercise} (verificações: nenhuma)",
        "no check {check} in exercise {exercise} (checks: none)",
    ),
    "gradebook_points_out_of_range": (
        "{points} pontos está fora de 0..{limit} para {target}",
        "{points} points is outside 0..{limit} for {target}",
    ),
    "gradebook_override_applied": (
        "Alteração de monitor em {target}: {old} -> {new} pontos, por {who} em {when} UTC: {why}",
        "TA override on {target}: {old} -> {new} points, by {who} on {when} UTC: {why}",
    ),
    "gradebook_override_no_check": (
        "Alteração de monitor em {target} não aplicada: este resultado não tem essa verificação",
        "TA override on {target} not applied: this result has no such check",
    ),
    "gradebook_override_no_exercise": (
        "Alteração de monitor em {target} não aplicada: este resultado não tem esse exercício",
        "TA override on {target} not applied: this result has no such exercise",
    ),
    "gradebook_regrade_no_notebook": (
        "o livro de notas não tem cópia do caderno de {student} (seus resultados foram importados); passe o "
        "download do AVA para corrigi-lo de novo.",
        "the gradebook has no copy of {student}'s notebook (its results were imported); pass the LMS "
        "download to regrade it.",
    ),
    "gradebook_report_failed": (
        "{student}: o relatório não pôde ser gerado ({error})",
        "{student}: the report could not be rendered ({error})",
    ),
    "gradebook_regrade_counts": (
        "{graded} corrigido(s) agora (envio, gabarito ou versão do corretor novos), {kept} sem mudança; "
        "toda tentativa fica guardada em {where}.",
        "{graded} graded now (new submission, key or grader version), {kept} unchanged; every attempt is "
        "kept in {where}.",
    ),
    "gradebook_regrade_reports": (
        "relatórios: {rendered} gerado(s), {unchanged} sem mudança ({out})",
        "reports: {rendered} rendered, {unchanged} unchanged ({out})",
    ),
    "gradebook_regrade_reports_summary": (
        "relatórios: {rendered} gerado(s), {unchanged} sem mudança, resumo da turma gerado ({out})",
        "reports: {rendered} rendered, {unchanged} unchanged, class summary rendered ({out})",
    ),
    # ---- what `autograder gradebook show` and `history` print (autograder.gradebook.cli) ----
    "gradebook_table": (
        "{student:<{w_student}}  {score:<{w_score}}  {status:<{w_status}}  {attempt:<{w_attempt}}  "
        "{graded:<{w_graded}}  {overrides}",
        "{student:<{w_student}}  {score:<{w_score}}  {status:<{w_status}}  {attempt:<{w_attempt}}  "
        "{graded:<{w_graded}}  {overrides}",
    ),
    "gradebook_table_student": ("aluno", "student"),
    "gradebook_table_score": ("nota", "score"),
    "gradebook_table_status": ("situação", "status"),
    "gradebook_table_attempt": ("tentativa", "attempt"),
    "gradebook_table_graded": ("corrigida (UTC)", "graded (UTC)"),
    "gradebook_table_overrides": ("alterações", "overrides"),
    "gradebook_table_note": ("  ! {student}: {note}", "  ! {student}: {note}"),
    "gradebook_history_student": ("{who}", "{who}"),
    "gradebook_history_student_more": ("{who}  {email} [{source}]", "{who}  {email} [{source}]"),
    "gradebook_history_when": ("{when} UTC", "{when} UTC"),
    "gradebook_history_time_unknown": ("hora desconhecida", "time unknown"),
    "gradebook_history_submission": (
        "envio #{id} {assignment} sha256 {sha}… ({when}) de {source}",
        "submission #{id} {assignment} sha256 {sha}… ({when}) from {source}",
    ),
    "gradebook_history_submission_late": (
        "envio #{id} {assignment} sha256 {sha}… ({when} ATRASADO) de {source}",
        "submission #{id} {assignment} sha256 {sha}… ({when} LATE) from {source}",
    ),
    "gradebook_history_attempt": (
        "  {attempt}: {status} {score}/{max} [{origin}]",
        "  {attempt}: {status} {score}/{max} [{origin}]",
    ),
    "gradebook_history_override": (
        "  alteração #{id} {target} = {points} pontos, por {who} em {when} UTC: {why} ({state})",
        "  override #{id} {target} = {points} points, by {who} on {when} UTC: {why} ({state})",
    ),
    "gradebook_history_override_on": (
        "  alteração #{id} {target} = {points} pontos na tentativa #{attempt}, por {who} em {when} UTC: "
        "{why} ({state})",
        "  override #{id} {target} = {points} points on attempt #{attempt}, by {who} on {when} UTC: {why} "
        "({state})",
    ),
    "gradebook_override_active": ("ativa", "active"),
    "gradebook_override_undone": ("desfeita por {who} em {when} UTC", "undone by {who} on {when} UTC"),
    "gradebook_override_undone_why": (
        "desfeita por {who} em {when} UTC: {why}",
        "undone by {who} on {when} UTC: {why}",
    ),
    "gradebook_history_comment": (
        "  comentário #{id} de {who} em {when} UTC: {text}",
        "  comment #{id} by {who} on {when} UTC: {text}",
    ),
    "gradebook_history_comment_on": (
        "  comentário #{id} sobre {exercise} de {who} em {when} UTC: {text}",
        "  comment #{id} on {exercise} by {who} on {when} UTC: {text}",
    ),
    "gradebook_history_none": ("nenhum envio registrado", "no submission recorded"),
    # ---- the sandbox (autograder.sandbox) ----
    "sandbox_no_datasets_dir": (
        "A pasta de conjuntos de dados {path} não existe.",
        "The datasets directory {path} does not exist.",
    ),
    "sandbox_no_datasets_dir_fix": (
        "passe a pasta dos conjuntos de dados: a que contém os arquivos de dados da atividade",
        "pass the datasets folder: the directory that holds the assignment's dataset files",
    ),
    "sandbox_datasets_unreadable": (
        "{path} não pode ser lido por outros usuários, então o kernel isolado (um uid sem privilégios) não "
        "consegue lê-lo.",
        "{path} is not readable by other users, so the sandboxed kernel (an unprivileged uid) cannot read "
        "it.",
    ),
    "sandbox_datasets_unreadable_fix": ("chmod -R a+rX {path}", "chmod -R a+rX {path}"),
    "sandbox_no_bubblewrap": (
        "O sandbox do bubblewrap não roda aqui.",
        "The bubblewrap sandbox cannot run here.",
    ),
    "sandbox_no_bubblewrap_fix": (
        "instale o bubblewrap com user namespaces habilitados, ou use backend=\"none\" (sem isolamento)",
        "install bubblewrap with user namespaces enabled, or use backend=\"none\" (no isolation)",
    ),
    "sandbox_path_too_long": (
        "O caminho da pasta do sandbox {path} é longo demais para sockets unix.",
        "The sandbox directory path {path} is too long for unix sockets.",
    ),
    "sandbox_path_too_long_fix": (
        "defina TMPDIR como uma pasta de caminho curto",
        "set TMPDIR to a short directory",
    ),
    "sandbox_did_not_start": (
        "O kernel isolado não iniciou: {what}.",
        "The sandboxed kernel did not start: {what}.",
    ),
    "sandbox_did_not_start_where": (
        "backend {backend}; log do kernel:\n{log}",
        "backend {backend}; kernel log:\n{log}",
    ),
    "sandbox_did_not_start_fix": (
        "confira se o ipykernel está instalado para {python}",
        "check that ipykernel is installed for {python}",
    ),
    "sandbox_exited_while_starting": ("{exit} durante a inicialização", "{exit} while starting"),
    "sandbox_no_answer": (
        "o kernel não respondeu em {seconds} s",
        "the kernel did not answer within {seconds} s",
    ),
    "sandbox_kernel_unresponsive": ("o kernel parou de responder", "the kernel stopped responding"),
    "sandbox_kernel_killed": (
        "o processo do kernel foi encerrado por {signal}",
        "the kernel process was killed by {signal}",
    ),
    "sandbox_kernel_exited": (
        "o processo do kernel terminou com o status {code}",
        "the kernel process exited with status {code}",
    ),
    # ---- the review server and its pages (autograder.review) ----
    "review_server_missing_fix": (
        "passe o livro de notas que o grade-batch gravou (OUT/gradebook.sqlite por padrão).",
        "pass the gradebook grade-batch wrote (OUT/gradebook.sqlite by default).",
    ),
    "review_server_cannot_listen": (
        "Não foi possível escutar em {address}: {error}.",
        "Cannot listen on {address}: {error}.",
    ),
    "review_server_cannot_listen_fix": ("passe outra --port.", "pass another --port."),
    "review_server_port_taken": (
        "a porta {port} está ocupada; usando a {free}",
        "port {port} is taken; using {free}",
    ),
    "review_server_title": (
        "Revisão dos monitores de {assignment} a partir do livro de notas {where}",
        "TA review of {assignment} from the gradebook {where}",
    ),
    "review_server_not_loopback": (
        "ATENÇÃO: escutando em {host}, não só nesta máquina: quem conseguir alcançá-lo e tiver um token "
        "pode mudar notas.",
        "WARNING: listening on {host}, not only on this machine: anyone who can reach it and has a token "
        "can change grades.",
    ),
    "review_server_open": (
        "Abra, cada monitor o seu (o token é a senha; não o compartilhe):",
        "Open, each TA their own (the token is the password; do not share it):",
    ),
    "review_server_url": ("  {name}: {url}", "  {name}: {url}"),
    "review_server_stop": ("Ctrl-C para o servidor.", "Ctrl-C stops the server."),
    "review_regrade_no_submission": (
        "não há envio de {student} no livro de notas",
        "no submission of {student} in the gradebook",
    ),
    "review_regrade_no_notebook": (
        "o livro de notas não guarda este caderno (o resultado foi importado sem ele): corrija a turma de "
        "novo com grade-batch --gradebook para guardá-lo",
        "the gradebook does not hold this notebook (its result was imported without it): grade the class "
        "again with grade-batch --gradebook to store it",
    ),
}
