"""Exports (Moodle, Canvas, Gradescope, otter, CSV):
their errors and the lines they say to the operator, id -> (Portuguese, English).

The Portuguese names Moodle's screens as its pt_br language pack does (assign.php,
assignfeedback_offline.php), with the English in parentheses where a TA may see either.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # ---- autograder export (autograder.export.cli_export) ----
    "export_bad_target": (
        "o destino da exportação deve ser um de {targets}; veio {target!r}",
        "export target must be one of {targets}, got {target!r}"),
    "export_bundle_needs_key": (
        "o pacote do Gradescope precisa de --key",
        "the Gradescope bundle needs --key"),
    "export_bundle_needs_assignment": (
        "o pacote do Gradescope precisa da atividade (--assignment)",
        "the Gradescope bundle needs the assignment (--assignment)"),
    "export_needs_results": (
        "export {target} precisa de RESULTS_DIR (ou --from-gradebook)",
        "export {target} needs RESULTS_DIR (or --from-gradebook)"),
    "export_moodle_needs_worksheet": (
        "a exportação para o Moodle precisa de --worksheet (o CSV da planilha de notas baixado da tarefa)",
        "the Moodle export needs --worksheet (the downloaded grading worksheet CSV)"),
    "export_canvas_needs_name": (
        "a exportação para o Canvas precisa de --assignment-name (e de --assignment-id para atualizar "
        "uma tarefa que já existe)",
        "the Canvas export needs --assignment-name (and --assignment-id to update an existing "
        "assignment)"),
    "export_bundle_written": (
        "Corretor do Gradescope gravado em {out} e {zip} (envie o zip)",
        "Gradescope autograder written to {out} and {zip} (upload the zip)"),
    "export_csv_written": (
        "{n} linhas gravadas em {path}",
        "{n} rows written to {path}"),
    "export_moodle_written": (
        "{n} notas gravadas em {worksheet}; arquivos de feedback em {zip}",
        "{n} grades written to {worksheet}; feedback files in {zip}"),
    "export_canvas_written": (
        "{n} notas gravadas em {path} (coluna {column!r})",
        "{n} scores written to {path} (column {column!r})"),
    "export_gradescope_written": (
        "{n} arquivos results.json do Gradescope gravados em {path}",
        "{n} Gradescope results.json files written to {path}"),
    "export_list_title": ("{title} ({n}):", "{title} ({n}):"),
    "export_list_item": ("  - {item}", "  - {item}"),
    "export_skipped_files": ("arquivos ignorados", "skipped files"),
    "export_moodle_unmatched_results": (
        "resultados sem linha na planilha de notas",
        "results with no worksheet row"),
    "export_moodle_unmatched_rows": (
        "linhas da planilha sem resultado (deixadas como baixadas)",
        "worksheet rows with no result (left as downloaded)"),
    "export_canvas_unmatched_results": (
        "resultados sem linha no livro de notas",
        "results with no gradebook row"),
    "export_canvas_unmatched_rows": (
        "linhas do livro de notas sem resultado (deixadas como exportadas)",
        "gradebook rows with no result (left as exported)"),
    "export_rows_not_filled": ("linhas não preenchidas", "rows not filled"),
    # where in a downloaded file: {file} is "name.csv: " or empty
    "export_line": ("{file}linha {line}", "{file}line {line}"),
    "export_lines": ("{file}linhas {lines}", "{file}lines {lines}"),
    # ---- Moodle (autograder.export.moodle) ----
    "moodle_row": ("{at}: {id} ({name})", "{at}: {id} ({name})"),
    "moodle_worksheet_empty": (
        "{file}a planilha de notas está vazia.",
        "{file}the grading worksheet is empty."),
    "moodle_worksheet_empty_fix": (
        "baixe-a de novo: tarefa > Ver todos os envios > Ação de avaliação > Baixar planilha de notas "
        "(View all submissions > Grading action > Download grading worksheet).",
        "download it again: assignment > View all submissions > Grading action > Download grading "
        "worksheet."),
    "moodle_worksheet_not_comma": (
        " Ela não é separada por vírgulas (provavelmente foi salva de novo por um programa de planilhas).",
        " It is not comma-separated (it was probably re-saved by a spreadsheet program)."),
    "moodle_column_names": (
        "{title} ({translations} em português)",
        "{title} ({translations} in Portuguese)"),
    "moodle_columns_and": ("{first} nem {second}", "{first} and no {second}"),
    "moodle_worksheet_missing_columns": (
        "{at}: a planilha de notas não tem a coluna {missing} (as colunas dela: {columns}).{dialect}",
        "{at}: the grading worksheet has no {missing} column (its columns: {columns}).{dialect}"),
    "moodle_worksheet_missing_columns_fix": (
        "passe o CSV de 'Baixar planilha de notas' (Download grading worksheet; ative 'Planilha de notas "
        "offline' nos tipos de feedback da tarefa) tal como o Moodle o gerou, não uma exportação do livro "
        "de notas: o importador do Moodle precisa de Identifier, Grade e Last modified (grade) "
        "(Identificador, Nota e Última modificação (nota)).",
        "pass the CSV from 'Download grading worksheet' (enable 'Offline grading worksheet' in the "
        "assignment's feedback types) as Moodle wrote it, not a gradebook export: Moodle's importer "
        "needs Identifier, Grade and Last modified (grade)."),
    "moodle_worksheet_not_utf8": (
        "A planilha de notas não está em UTF-8 ({error}).",
        "The grading worksheet is not UTF-8 ({error})."),
    "moodle_worksheet_not_utf8_fix": (
        "baixe-a de novo do Moodle sem abri-la e salvá-la num programa de planilhas.",
        "download it again from Moodle without opening and re-saving it in a spreadsheet program."),
    "moodle_duplicate_participant": (
        "{at}: o identificador Participant {id} aparece {n} vezes; essas linhas foram deixadas como "
        "baixadas (baixe a planilha de notas de novo)",
        "{at}: the identifier Participant {id} appears {n} times; those rows were left as downloaded "
        "(download the worksheet again)"),
    "moodle_group_not_listed": (
        "{student}: um envio de grupo, mas nenhuma linha da planilha tem o grupo {group!r} na coluna "
        "Group (Grupo); ninguém recebeu esta nota (confira o nome do grupo no Moodle, ou dê a nota aos "
        "membros à mão)",
        "{student}: a group submission, but no row of the worksheet lists the group {group!r} in its "
        "Group column; nobody got this grade (check the group's name in Moodle, or grade its members "
        "by hand)"),
    "moodle_email_and_id_differ": (
        "{student}: o e-mail e o id de participante apontam para linhas diferentes",
        "{student}: the email and the participant id point to different rows"),
    "moodle_result_no_row": (
        "{student}: nenhuma linha da planilha tem este e-mail ou id de participante (não é participante "
        "desta tarefa, ou foi corrigido a partir de outro download)",
        "{student}: no row of the worksheet has this email or participant id (not a participant of "
        "this assignment, or graded from another download)"),
    "moodle_result_several_rows": (
        "{student}: várias linhas correspondem",
        "{student}: several rows match"),
    "moodle_row_several_results": (
        "{row}: {n} resultados correspondem a esta linha ({students}); deixada como baixada",
        "{row}: {n} results match this row ({students}); left as downloaded"),
    "moodle_row_locked": (
        "{row}: a nota não pode ser alterada no Moodle (bloqueada ou sobreposta); deixada como baixada",
        "{row}: the grade cannot be changed in Moodle (locked or overridden); left as downloaded"),
    "moodle_row_no_maximum": (
        "{row}: sem Maximum Grade (Nota máxima) para a escala (passe maximum_grade=...); deixada como "
        "baixada",
        "{row}: no Maximum Grade to scale to (pass maximum_grade=...); left as downloaded"),
    "moodle_no_feedback_column": (
        "a planilha não tem a coluna 'Feedback comments' (Comentários de feedback), então nenhum "
        "comentário foi escrito (ative os comentários de feedback nos tipos de feedback da tarefa)",
        "the worksheet has no 'Feedback comments' column, so no comment was written (enable 'Feedback "
        "comments' in the assignment's feedback types)"),
    "moodle_rows_already_graded": (
        "{at} já tinham nota no Moodle: o Moodle mantém a própria nota se ela mudou depois que esta "
        "planilha foi baixada; para substituí-la, marque 'Permitir a atualização dos registros que foram "
        "modificados mais recentemente, em Moodle que na planilha' ao enviar",
        "{at} already had a grade in Moodle: Moodle keeps its own grade if it changed after this "
        "worksheet was downloaded; tick 'Allow updating records that have been modified more recently "
        "in Moodle than in the spreadsheet' when uploading to replace it"),
    "moodle_rows_already_graded_unreadable": (
        "{at} já tinham nota no Moodle, e a 'Last modified (grade)' (Última modificação (nota)) delas não "
        "é uma data em inglês: o importador do Moodle a lê com o strtotime do PHP, que só entende inglês, "
        "então considera essas notas alteradas no Moodle desde o download e as ignora; marque 'Permitir a "
        "atualização dos registros que foram modificados mais recentemente, em Moodle que na planilha' "
        "ao enviar",
        "{at} already had a grade in Moodle, and their 'Last modified (grade)' is not an English date: "
        "Moodle's importer reads it with PHP's strtotime, which knows only English, so it takes these "
        "grades as changed in Moodle since the download and skips them; tick 'Allow updating records "
        "that have been modified more recently in Moodle than in the spreadsheet' when uploading"),
    "moodle_language_pack_titles": (
        "os títulos das colunas da planilha são de um pacote de idioma do Moodle (não do inglês): envie-a "
        "com o Moodle no mesmo idioma em que ela foi baixada, porque o importador do Moodle encontra "
        "Identifier, Grade e Last modified (grade) pelos títulos no idioma de quem envia e, senão, recusa "
        "o arquivo (invalid grade import)",
        "the worksheet's column titles are a Moodle language pack's (not English): upload it with your "
        "Moodle language set to the one it was downloaded in, since Moodle's importer finds Identifier, "
        "Grade and Last modified (grade) by their titles in the uploader's language and otherwise "
        "refuses the file (invalid grade import)"),
    # ---- Canvas (autograder.export.canvas) ----
    "canvas_row": ("{at}: {name} (ID {id})", "{at}: {name} (ID {id})"),
    "canvas_not_a_gradebook": (
        "{at}: isto não é uma exportação do livro de notas do Canvas: ela deve começar com `Student,ID` "
        "ou `LastName,FirstName,ID` (colunas: {columns}).{hint}",
        "{at}: this is not a Canvas gradebook export: it must start with Student,ID or "
        "LastName,FirstName,ID (columns: {columns}).{hint}"),
    "canvas_other_separator": (
        " Parece separada por {sep!r}, mas não pôde ser dividida de forma consistente.",
        " It looks {sep!r}-separated but could not be split consistently."),
    "canvas_not_a_gradebook_fix": (
        "passe o CSV de Grades > Export > Export Entire Gradebook, tal como o Canvas o gerou.",
        "pass the CSV from Grades > Export > Export Entire Gradebook, as Canvas wrote it."),
    "canvas_no_section": (
        "{at}: o livro de notas do Canvas não tem a coluna Section, que o importador do Canvas exige "
        "depois das colunas dos alunos.",
        "{at}: the Canvas gradebook has no Section column, which Canvas's importer needs after the "
        "student columns."),
    "canvas_no_section_fix": (
        "exporte o livro de notas de novo do Canvas; não remova colunas.",
        "export the gradebook again from Canvas; do not remove columns."),
    "canvas_empty": (
        "{file}o CSV do livro de notas do Canvas está vazio.",
        "{file}the Canvas gradebook CSV is empty."),
    "canvas_empty_fix": (
        "exporte-o de novo: Grades > Export > Export Entire Gradebook.",
        "export it again: Grades > Export > Export Entire Gradebook."),
    "canvas_not_utf8": (
        "{name}: o livro de notas do Canvas não está em UTF-8 ({error}).",
        "{name}: the Canvas gradebook is not UTF-8 ({error})."),
    "canvas_not_utf8_fix": (
        "exporte-o de novo do Canvas sem salvá-lo de novo num programa de planilhas.",
        "export it again from Canvas without re-saving it in a spreadsheet program."),
    "canvas_row_no_id": (
        "{row}: sem ID do Canvas; deixada como exportada",
        "{row}: no Canvas ID; left as exported"),
    "canvas_duplicate_id": (
        "{at}: o ID do Canvas {id} aparece {n} vezes; deixadas como exportadas (exporte o livro de notas "
        "de novo)",
        "{at}: Canvas ID {id} appears {n} times; left as exported (export the gradebook again)"),
    "canvas_result_no_row": (
        "{student}: nenhuma linha do livro de notas tem este id ou login (aluno não inscrito, ou aluno de "
        "teste)",
        "{student}: no gradebook row with this id or login (not enrolled, or a test student)"),
    "canvas_result_several_rows": (
        "{student}: várias linhas do livro de notas correspondem",
        "{student}: several gradebook rows match"),
    "canvas_row_several_results": (
        "{row}: {n} resultados correspondem a esta linha; deixada como exportada",
        "{row}: {n} results match this row; left as exported"),
    "canvas_row_group_download": (
        "{row}: o download deu a este envio o nome {named!r}, e não o deste aluno: numa tarefa em grupo "
        "o Canvas nomeia os arquivos de um grupo pelo grupo e pelo ID de um dos membros, então só a linha "
        "deste membro recebeu a nota; dê a mesma nota aos outros membros do grupo (preencha as linhas "
        "deles, ou lance a nota no SpeedGrader, que a dá ao grupo inteiro quando a tarefa é corrigida em "
        "grupo). Se o aluno só mudou de nome desde o download, está tudo certo",
        "{row}: the download named this submission {named!r}, not after this student: in a group "
        "assignment Canvas names a group's files after the group and the ID of one member, so only "
        "this member's row got the grade; give the same grade to the other members of that group "
        "(fill their rows, or enter the grade in SpeedGrader, which gives it to the whole group when "
        "the assignment is graded as a group). If the student was only renamed since the download, "
        "nothing is wrong"),
    # ---- Gradescope (autograder.export.gradescope, gradescope_kernel) ----
    "gs_no_source": (
        "O código-fonte do corretor (pyproject.toml) não foi encontrado para entrar no pacote.",
        "Cannot find the grader's source (pyproject.toml) to put in the bundle."),
    "gs_no_source_fix": (
        "rode a partir de uma cópia do código-fonte (pip install -e .).",
        "run from a source checkout (pip install -e .)."),
    "gs_isolation_bubblewrap": ("bubblewrap: {problem}", "bubblewrap: {problem}"),
    "gs_isolation_needs_root": (
        "um usuário separado para o kernel exige que o corretor rode como root",
        "a separate kernel user needs the grader to run as root"),
    "gs_isolation_no_user": (
        "não há o usuário {user!r} (o setup.sh o cria)",
        "no user {user!r} (setup.sh creates it)"),
    "gs_isolation_none_asked": (
        "foi pedido o isolamento none",
        "isolation none was asked for"),
    "gs_not_isolated": (
        "O kernel do aluno não pode ser isolado aqui ({why}), então poderia ler o gabarito.",
        "The student's kernel cannot be isolated here ({why}), so it could read the answer key."),
    "gs_not_isolated_fix": (
        "reconstrua o corretor do Gradescope (o setup.sh cria o usuário do kernel), ou defina "
        "AUTOGRADER_GS_ALLOW_UNISOLATED=1 para corrigir mesmo assim.",
        "rebuild the autograder (setup.sh creates the kernel user), or set "
        "AUTOGRADER_GS_ALLOW_UNISOLATED=1 to grade anyway."),
    "gs_kernel_user_reads": (
        "O usuário do kernel {user!r} consegue ler {paths}.",
        "The kernel user {user!r} can read {paths}."),
    "gs_kernel_user_reads_fix": (
        "o run_autograder os deixa legíveis só pelo root: confira se ele rodou como root.",
        "run_autograder makes them readable by root only: check that it ran as root."),
    "gs_prefix_holds_source": (
        "O prefixo do Python {prefix} contém o código-fonte do pacote.",
        "The Python prefix {prefix} contains the bundle's source."),
    "gs_prefix_holds_source_fix": (
        "instale o corretor fora de /autograder (no prefixo do setup.sh).",
        "install the grader outside /autograder (setup.sh's prefix)."),
    # what the report says of the separate kernel user (coded in results: i18n.encode)
    "gs_not_enforced_network_user": (
        "O isolamento de rede NÃO é aplicado: o kernel (usuário {user!r}) alcança a rede (o bubblewrap "
        "não é usado aqui).",
        "Network isolation is NOT applied: the kernel (user {user!r}) can reach the network "
        "(bubblewrap is not used here)."),
    "gs_not_enforced_files_user": (
        "O kernel vê os arquivos que qualquer usuário pode ler (o sistema, o ambiente Python), mas não "
        "o gabarito, a atividade, a pasta do envio nem os resultados.",
        "The kernel can see the files every user can read (the system, the Python environment), but "
        "not the key, the assignment, the submission folder or the results."),
    # ---- otter (autograder.export.otter) ----
    "otter_unreadable_path": (
        "A verificação {check} compara o caminho {path!r} de {ref} (do tipo {type}), que um teste do "
        "otter não consegue ler.",
        "Check {check} compares path {path!r} of {ref} (a {type}), which an otter test cannot read."),
    "otter_unreadable_path_fix": (
        "corrija esta atividade com o próprio autograder, ou dê à verificação um caminho que o otter "
        "consiga ler: os caminhos estão listados em autograder/export/otter.py (_ACCESSORS).",
        "grade this assignment with autograder itself, or give the check a path otter can read: the "
        "paths are listed in autograder/export/otter.py (_ACCESSORS)."),
    "otter_no_band_quantities": (
        "O gabarito não tem quantidades {prefix}*.",
        "The key has no quantities {prefix}*."),
    "otter_unknown_tolerance": (
        "Tipo de tolerância desconhecido {kind!r} para {key}.",
        "Unknown tolerance kind {kind!r} for {key}."),
    "otter_reserved_names": (
        "A parte {part} lê nomes reservados pelo código dos testes: {names}.",
        "Part {part} reads names reserved by the test code: {names}."),
    "otter_key_profile": (
        "O gabarito foi construído para o perfil {key!r}, não {profile!r}.",
        "The key was built for profile {key!r}, not {profile!r}."),
    "otter_key_profile_fix": (
        "passe o gabarito do perfil {profile!r} (--key), ou --profile {key}.",
        "pass the key of profile {profile!r} (--key), or --profile {key}."),
    # said to the student by the tests of the otter master notebook
    "otter_letter_prompt": (
        "Sua alternativa: 'a', 'b', 'c' ou 'd'",
        "Your option: 'a', 'b', 'c' or 'd'"),
    "otter_test_not_compiled": (
        "a rede ainda não foi compilada e treinada",
        "the network has not been compiled and trained yet"),
    "otter_test_not_history": (
        "não é o History devolvido por .fit(...)",
        "this is not the History returned by .fit(...)"),
    "otter_test_undefined": ("`{name}` não foi definido", "`{name}` is not defined"),
    "otter_test_other_keys": ("chaves diferentes das pedidas", "keys other than the ones asked for"),
    "otter_test_key_outside_band": (
        "valor de {key} fora da faixa aceita",
        "the value of {key} is outside the accepted range"),
    "otter_test_not_equal": ("diferente do esperado", "not the expected value"),
    "otter_test_other_shape": ("formato diferente do esperado", "not the expected shape"),
    "otter_test_outside_tolerance": ("fora da tolerância", "outside the tolerance"),
    "otter_test_outside_band": ("fora da faixa aceita", "outside the accepted range"),
    "otter_test_wrong_order": ("ordem diferente da esperada", "not the expected order"),
    "otter_test_other_letter": ("alternativa diferente da esperada", "not the expected option"),
    "otter_test_define": ("defina: {names}", "define: {names}"),
}
