"""The command line's help (``autograder --help``, ``autograder <command> --help``): each command's
and group's description and each option's help, id -> (Portuguese, English).

``autograder.cli`` looks them up when the help is shown (``--lang``, else ``$AUTOGRADER_LANG``,
else English). A description's first sentence is also its line in the list of commands; a blank
line separates paragraphs (click rewraps each one). Options, commands and paths stay as they are.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # ---- click's own options ----
    "help_option_help": ("Mostra esta mensagem e sai.", "Show this message and exit."),
    "help_option_version": ("Mostra a versão e sai.", "Show the version and exit."),
    # ---- shared by several commands ----
    "help_lang": (
        "Língua do que este comando diz (padrão: $AUTOGRADER_LANG, senão a da atividade, senão inglês).",
        "Language of what this command says (default: $AUTOGRADER_LANG, else the assignment's, "
        "else English).",
    ),
    "help_lang_reports": (
        "Língua dos relatórios e das linhas deste comando (padrão: a da atividade; para as linhas, "
        "antes $AUTOGRADER_LANG).",
        "Language of the reports and of this command's lines (default: the assignment's; "
        "the lines: $AUTOGRADER_LANG first).",
    ),
    "help_assignment": (
        "A atividade: o nome de uma atividade instalada ou o caminho da sua pasta. Padrão: {default}.",
        "The assignment: an installed name or the path of its folder. Default: {default}.",
    ),
    "help_default_every_installed": ("todas as instaladas", "every installed one"),
    "help_default_only_installed": ("a única instalada", "the only installed one"),
    "help_default_key_records": ("a que o gabarito registra, se estiver instalada",
                                 "the one the key records, when installed"),
    "help_default_notebook_names": ("a que o caderno indica, ou a única instalada",
                                    "the one the notebook names, or the only installed one"),
    "help_default_key_names": ("a que o gabarito indica, ou a única instalada",
                               "the one the key names, or the only installed one"),
    "help_default_example": ("a única instalada, senão a primeira que tem uma turma de exemplo",
                             "the only installed one, else the first one with an example class"),
    "help_default_gradebook_only": ("a única no livro de notas", "the only one in the gradebook"),
    "help_key_committed": (
        "O gabarito (padrão: o gabarito full versionado da atividade).",
        "The answer key (default: the assignment's committed full key).",
    ),
    "help_gradebook": (
        "O livro de notas: um arquivo SQLite ou uma URL postgresql:// (ou $AUTOGRADER_GRADEBOOK).",
        "The gradebook: a SQLite file or a postgresql:// URL (or $AUTOGRADER_GRADEBOOK).",
    ),
    "help_gradebook_default": (
        "O livro de notas: um arquivo SQLite ou uma URL postgresql:// (ou $AUTOGRADER_GRADEBOOK). "
        "Padrão: {default}.",
        "The gradebook: a SQLite file or a postgresql:// URL (or $AUTOGRADER_GRADEBOOK). "
        "Default: {default}.",
    ),
    # ---- autograder ----
    "help_main": (
        "Corretor automático e isolado (sandbox) de listas de exercícios em Jupyter; cada atividade é "
        "uma pasta instalável à parte.",
        "Sandboxed auto-grader for Jupyter exercise sheets; each assignment is a plug-in folder.",
    ),
    # ---- data ----
    "help_data": (
        "Conjuntos de dados no cache do Keras (os que as atividades instaladas declaram).",
        "Datasets in the Keras cache (those the installed assignments declare).",
    ),
    "help_data_install": (
        "Copia (ou baixa) os conjuntos de dados para o cache do Keras, conferindo cada sha256.",
        "Copy (or download) the datasets into the Keras cache, verifying every sha256.",
    ),
    "help_data_install_from": (
        "Pasta com os arquivos do Keras, organizada como o cache do Keras. Sem ela, o Keras os baixa "
        "(precisa de internet). Padrão: $AUTOGRADER_DATA, quando definida.",
        "Folder with the Keras files, laid out like the Keras cache. Without it, Keras downloads them "
        "(needs internet). Defaults to $AUTOGRADER_DATA when set.",
    ),
    "help_data_dataset": ("Só estes conjuntos de dados (padrão: todos).",
                          "Only these datasets (default: all)."),
    "help_data_verify": (
        "Confere se o cache do Keras tem cópias verificadas dos conjuntos de dados.",
        "Check that the Keras cache holds verified copies of the datasets.",
    ),
    # ---- key ----
    "help_key": (
        "O gabarito: construí-lo a partir das soluções de referência, ou gerar de novo o seu relatório.",
        "The answer key: build it from the reference solutions, or re-render its report.",
    ),
    "help_key_build": (
        "Recalcula aqui os números de referência e grava key.json e report.md.",
        "Recompute the reference numbers here and write key.json and report.md.",
    ),
    "help_key_build_profile": (
        "Um perfil do assignment.toml da atividade (p. ex. full, smoke).",
        "A profile of the assignment's assignment.toml (e.g. full, smoke).",
    ),
    "help_key_build_out": (
        "Pasta de construção (padrão <assignment>/keys/<profile>). As execuções já terminadas nela são "
        "reaproveitadas.",
        "Build folder (default <assignment>/keys/<profile>). Finished runs there are reused.",
    ),
    "help_key_build_exercise": (
        "Só estes exercícios calculados (os ids de exercício do contrato).",
        "Only these computed exercises (the contract's exercise ids).",
    ),
    "help_key_build_sheet_runs": (
        "Execuções por exercício de treino com as sementes aleatórias da lista (padrão: o "
        "[key.sheet_runs.<profile>] da atividade).",
        "Runs under the sheet's seeding per training exercise "
        "(default: the assignment's [key.sheet_runs.<profile>]).",
    ),
    "help_key_report": (
        "Mostra o relatório em Markdown de um gabarito existente (escrito na língua da atividade).",
        "Print the Markdown report of an existing key (written in the assignment's language).",
    ),
    # ---- grade ----
    "help_grade": (
        "Corrige um caderno: grava o JSON do resultado e mostra um resumo.\n\n"
        "Sai com 0 sempre que a correção rodou, mesmo que o aluno tenha tirado 0; com outro código só "
        "quando a própria correção falhou (faltam o gabarito ou os conjuntos de dados, o gabarito ou o "
        "caderno é de outra atividade), e com 6 quando o caderno não pode ser lido de jeito nenhum (o "
        "resultado, com nota 0, diz por quê).",
        "Grade one notebook: writes the result JSON and prints a summary.\n\n"
        "Exits 0 whenever grading ran, even if the student scored 0; non-zero only when grading "
        "itself failed (missing key or datasets, a key or notebook of another assignment) and 6 when "
        "the notebook cannot be read at all (the result, score 0, says why).",
    ),
    "help_grade_key": (
        "O gabarito (key.json). Padrão: o gabarito full versionado da atividade.",
        "The answer key (key.json). Default: the assignment's committed full key.",
    ),
    "help_grade_out": (
        "Onde gravar o JSON do resultado (padrão: <submission>.result.json).",
        "Where to write the result JSON (default: <submission>.result.json).",
    ),
    "help_grade_student": ("Identificador do aluno (padrão: o nome do arquivo).",
                           "Student id (default: the file name)."),
    "help_grade_lang": (
        "Língua das linhas deste comando (padrão: $AUTOGRADER_LANG, senão a da atividade).",
        "Language of this command's lines (default: $AUTOGRADER_LANG, else the assignment's).",
    ),
    "help_grade_backend": (
        "Sandbox: bubblewrap, ou none (sem isolamento; veja o README).",
        "Sandbox: bubblewrap, or none (no isolation; see README).",
    ),
    "help_grade_time_factor": (
        "Tempo máximo por exercício = max(piso, fator × a execução mais rápida que o gabarito registrou).",
        "Time budget per exercise = max(floor, factor × the fastest run the key recorded).",
    ),
    # ---- grade-batch ----
    "help_grade_batch": (
        "Corrige uma turma inteira: uma pasta ou um zip tal como o Moodle, o Canvas ou o Gradescope os "
        "exportam.",
        "Grade a whole class: a folder or zip as Moodle, Canvas or Gradescope export it.",
    ),
    "help_grade_batch_out": (
        "Pasta de saída: results/, logs/, summary.json, problems.txt. Rodar de novo retoma de onde parou.",
        "Output folder: results/, logs/, summary.json, problems.txt. Re-running resumes.",
    ),
    "help_grade_batch_workers": (
        "Corretores em paralelo (padrão: o número de núcleos, limitado pela memória, ~1,5 GB cada).",
        "Parallel graders (default: the cores, bounded by memory, ~1.5 GB each).",
    ),
    "help_grade_batch_mode": (
        "fast: reaproveita os exercícios em cache e confere os treinos caros por replay (veja o README).",
        "fast: reuse cached exercises and replay-verify expensive training (see README).",
    ),
    "help_grade_batch_audit_share": (
        "--mode fast: a fração dos envios, sorteados, cujos exercícios reproduzíveis são executados de "
        "novo por inteiro (a auditoria; README, modo fast).",
        "--mode fast: the share of submissions, drawn at random, whose replayable "
        "exercises are re-executed in full (the audit; README, fast mode).",
    ),
    "help_grade_batch_scheduler": (
        "Corrige num cluster do Dask: o seu scheduler, tcp://HOST:PORT (ou tls://; README: correção "
        "distribuída).",
        "Grade on a Dask cluster: its scheduler, tcp://HOST:PORT (or tls://; README: "
        "distributed grading).",
    ),
    "help_grade_batch_cluster": (
        "Corrige num LocalCluster do Dask com N processos worker nesta máquina.",
        "Grade on a Dask LocalCluster of N worker processes on this machine.",
    ),
    "help_grade_batch_max_tries": (
        "--cluster: um envio cujo worker morre este número de vezes fica como grader_error (com "
        "--scheduler, o distributed.scheduler.allowed-failures do scheduler + 1).",
        "--cluster: a submission whose worker dies this many times is a grader_error (with "
        "--scheduler, the scheduler's distributed.scheduler.allowed-failures + 1).",
    ),
    "help_grade_batch_gradebook": (
        "Registra cada resultado neste livro de notas (um arquivo SQLite ou postgresql://...). "
        "Padrão: OUT/gradebook.sqlite.",
        "Record every result in this gradebook (a SQLite file or postgresql://...). "
        "Default: OUT/gradebook.sqlite.",
    ),
    "help_grade_batch_no_gradebook": ("Grava só os arquivos de resultado.", "Write the result files only."),
    "help_grade_batch_due": (
        "Prazo (ISO 8601) para a política de atraso, no lugar do prazo em [late] da atividade.",
        "Due date (ISO 8601) for the late policy, instead of the assignment's [late] due date.",
    ),
    "help_grade_batch_worksheet": (
        "Moodle: a planilha de notas (membros dos grupos, horários de envio para a política de atraso).",
        "Moodle: the grading worksheet (team members, submission times for the late policy).",
    ),
    # ---- report ----
    "help_report": (
        "Gera de novo os relatórios dos alunos e o resumo da turma a partir de resultados existentes "
        "(sem corrigir de novo).",
        "Re-render student reports and the class summary from existing results (no regrading).",
    ),
    "help_report_key": (
        "O gabarito com que os resultados foram corrigidos (para as faixas de referência nos gráficos).",
        "The key the results were graded with (for reference bands in plots).",
    ),
    "help_report_out": ("Pasta de saída (padrão: RESULTS_DIR/../reports).",
                        "Output folder (default: RESULTS_DIR/../reports)."),
    "help_report_reveal": ("Quando mostrar os valores esperados e as letras corretas.",
                           "When to show expected values and correct letters."),
    "help_report_due": ("Prazo (ISO 8601), para --reveal after_due.",
                        "Due date (ISO 8601), for --reveal after_due."),
    # ---- export ----
    "help_export": (
        "Exporta as notas: planilha do Moodle + zip de feedback, CSV do Canvas, Gradescope, CSV simples.",
        "Export grades: Moodle worksheet + feedback zip, Canvas CSV, Gradescope, plain CSV.",
    ),
    "help_export_lang": (
        "Língua do feedback e das linhas deste comando (padrão: a da atividade; para as linhas, antes "
        "$AUTOGRADER_LANG).",
        "Language of the feedback and of this command's lines (default: the assignment's; "
        "the lines: $AUTOGRADER_LANG first).",
    ),
    "help_export_worksheet": ("Moodle: o CSV da planilha de notas baixado da tarefa.",
                              "Moodle: the grading worksheet CSV downloaded from the assignment."),
    "help_export_gradebook": ("Canvas: um CSV exportado do livro de notas, a preencher (opcional).",
                              "Canvas: an exported gradebook CSV to fill (optional)."),
    "help_export_from_gradebook": (
        "No lugar de RESULTS_DIR: a nota mais recente de cada aluno neste livro de notas, com as "
        "alterações dos monitores aplicadas (a exportação diz de que tentativa cada uma vem).",
        "Instead of RESULTS_DIR: the latest grade per student in this gradebook, TA "
        "overrides applied (the export says which attempt each one is).",
    ),
    "help_export_with_datasets": (
        "gradescope-bundle: leva junto os arquivos de dados da atividade, conferidos, tirados do cache do "
        "Keras (senão o setup.sh os baixa das URLs do Keras).",
        "gradescope-bundle: carry the assignment's dataset files, verified, from the Keras "
        "cache (else setup.sh downloads them from the Keras URLs).",
    ),
    # ---- example ----
    "help_example": (
        "Corrige offline a turma de exemplo embutida: resultados, relatórios e exportações para o LMS "
        "numa só pasta.",
        "Grade the built-in example class offline: results, reports and LMS exports in one folder.",
    ),
    "help_example_key": (
        "Padrão: o gabarito smoke da atividade (assim o exemplo leva só alguns minutos).",
        "Default: the assignment's smoke key (keeps the example to a few minutes).",
    ),
    # ---- assignment ----
    "help_assignment_group": (
        "Atividades: listá-las, gravar os seus cadernos, conferir os versionados.",
        "Assignments: list them, write their notebooks, check the committed ones.",
    ),
    "help_assignment_list": (
        "As atividades instaladas (grupo de entry points dl_autograder.assignments).",
        "The installed assignments (entry point group dl_autograder.assignments).",
    ),
    "help_assignment_notebooks": (
        "Grava em OUT os cadernos do aluno e da solução de um perfil.",
        "Write the student and solution notebooks of a profile into OUT.",
    ),
    "help_assignment_build": (
        "Gera de novo os cadernos versionados (generated/, perfil full) a partir do source.md.",
        "Regenerate the committed notebooks (generated/, full profile) from source.md.",
    ),
    "help_assignment_build_check": (
        "Só diz se os cadernos versionados estão em dia (sai com 1 quando não estão).",
        "Only say whether the committed notebooks are up to date (exit 1 when they are not).",
    ),
    "help_assignment_otter": (
        "Grava um caderno mestre do otter-grader (depois rode `otter assign` nele).",
        "Write an otter-grader master notebook (then run `otter assign` on it).",
    ),
    "help_assignment_otter_key": (
        "O key.json do mesmo perfil (padrão: o versionado da atividade).",
        "key.json of the same profile (default: the assignment's committed one).",
    ),
    # ---- new ----
    "help_new": (
        "Cria o esqueleto de uma pasta de atividade nova, que já gera os cadernos, constrói o gabarito e "
        "corrige (docs/authoring.md).\n\n"
        "Recusa-se a gravar numa pasta que existe e não está vazia.",
        "Scaffold a new assignment folder that builds, keys and grades at once (docs/authoring.md).\n\n"
        "Refuses to write into a folder that exists and is not empty.",
    ),
    "help_new_dir": (
        "A pasta da nova atividade. Padrão: ./assignments/NAME quando a pasta atual tem uma pasta "
        "assignments/, senão ./NAME.",
        "The new assignment's folder. Default: ./assignments/NAME when the current "
        "folder has an assignments/ folder, else ./NAME.",
    ),
    "help_new_title": ("O título do módulo (padrão: 'Módulo NAME').",
                       "The module's title (default: 'Módulo NAME')."),
    # ---- regrade ----
    "help_regrade": (
        "Corrige só o que mudou desde a última correção registrada no livro de notas (um envio, um "
        "gabarito ou uma versão do corretor novos) e gera de novo só os relatórios que mudaram (nota "
        "nova, alteração ou modelos).\n\n"
        "PATH: um novo download do LMS (envios atrasados, reenvios); os alunos que faltam nele são "
        "corrigidos de novo a partir dos cadernos guardados no livro de notas. Toda tentativa fica no "
        "histórico.",
        "Grade only what changed since the gradebook last graded (a new submission, key or grader "
        "version) and re-render only the reports that changed (new grade, override or templates).\n\n"
        "PATH: a new LMS download (late submissions, resubmissions); the students it lacks are "
        "regraded from the notebooks the gradebook holds. Every attempt stays in the history.",
    ),
    "help_regrade_out": (
        "Pasta de saída: results/, reports/, logs/, summary.json (como no grade-batch).",
        "Output folder: results/, reports/, logs/, summary.json (as grade-batch).",
    ),
    "help_regrade_scheduler": ("Corrige neste scheduler do Dask.", "Grade on this Dask scheduler."),
    "help_regrade_cluster": ("Corrige num LocalCluster do Dask.", "Grade on a Dask LocalCluster."),
    "help_regrade_no_reports": ("Só corrige; não gera nenhum relatório.", "Grade only; render no report."),
    # ---- gradebook ----
    "help_gradebook_group": (
        "O livro de notas: notas mais recentes, histórico, alterações e comentários dos monitores, "
        "importação de uma pasta de resultados.",
        "The gradebook: latest grades, history, TA overrides and comments, import of a results folder.",
    ),
    "help_gradebook_assignment": (
        "O nome da atividade (padrão: a única no livro de notas).",
        "The assignment's name (default: the only one in the gradebook).",
    ),
    "help_gradebook_show": (
        "A nota mais recente de cada aluno, com as alterações aplicadas, e a tentativa de onde ela vem.",
        "The latest grade of every student, with overrides applied, and the attempt it comes from.",
    ),
    "help_gradebook_show_student": ("Só este aluno (id no LMS).", "Only this student (LMS id)."),
    "help_gradebook_history": (
        "Todos os envios, tentativas, alterações (também as desfeitas) e comentários de STUDENT.",
        "Every submission, attempt, override (undone ones too) and comment of STUDENT.",
    ),
    "help_gradebook_override": (
        "Dá POINTS a TARGET (EXERCISE, ou EXERCISE:CHECK) do envio de STUDENT.\n\n"
        "As exportações, o `gradebook show` e os relatórios gerados pelo regrade a aplicam; "
        "`gradebook undo` a desfaz.",
        "Give POINTS to TARGET (EXERCISE, or EXERCISE:CHECK) of STUDENT's submission.\n\n"
        "Exports, `gradebook show` and the reports regrade renders apply it; `gradebook undo` undoes it.",
    ),
    "help_gradebook_override_who": ("Quem decide (fica registrado).", "Who decides (recorded)."),
    "help_gradebook_override_why": ("Por quê (fica registrado; aparece no relatório do aluno).",
                                    "Why (recorded; shown in the student's report)."),
    "help_gradebook_override_attempt": ("A tentativa examinada (padrão: a nota mais recente do aluno).",
                                        "The attempt looked at (default: the student's latest grade)."),
    "help_gradebook_undo": (
        "Desfaz a alteração OVERRIDE_ID (ela fica no histórico, marcada como desfeita).",
        "Undo override OVERRIDE_ID (it stays in the history, marked undone).",
    ),
    "help_gradebook_undo_who": ("Quem a desfaz (fica registrado).", "Who undoes it (recorded)."),
    "help_gradebook_undo_why": ("Por quê (fica registrado).", "Why (recorded)."),
    "help_gradebook_comment": (
        "Registra um comentário de monitor sobre o último envio corrigido de STUDENT.",
        "Record a TA's comment on STUDENT's latest graded submission.",
    ),
    "help_gradebook_comment_exercise": ("O exercício de que ele trata (opcional).",
                                        "The exercise it is about (optional)."),
    "help_gradebook_import": (
        "Registra cada JSON de resultado de RESULTS_DIR (reconstrói um livro de notas; os já registrados "
        "ficam uma vez só).",
        "Record every result JSON of RESULTS_DIR (rebuilds a gradebook; already recorded ones are kept "
        "once).",
    ),
    # ---- review ----
    "help_review": (
        "Revisão pelos monitores no navegador: cada envio ao lado das suas verificações; alterar, "
        "comentar, corrigir de novo.\n\n"
        "Mostra uma URL com um token por monitor (como o Jupyter faz); toda mudança vai para o livro de "
        "notas com o nome do monitor e pode ser desfeita.",
        "TA review in the browser: each submission beside its checks; override, comment, regrade.\n\n"
        "Prints one URL with a token per TA (as Jupyter does); every change goes into the gradebook "
        "with the TA's name and can be undone.",
    ),
    "help_review_gradebook": (
        "O livro de notas a revisar (o OUT/gradebook.sqlite do grade-batch, ou postgresql://...).",
        "The gradebook to review (grade-batch's OUT/gradebook.sqlite, or postgresql://...).",
    ),
    "help_review_key": (
        "O gabarito que uma nova correção usa (padrão: o gabarito versionado com que cada tentativa foi "
        "corrigida).",
        "The key a regrade uses (default: the committed key each attempt was graded with).",
    ),
    "help_review_host": (
        "Onde escutar. Qualquer endereço além de 127.0.0.1 deixa outras máquinas chegarem ao servidor (os "
        "tokens continuam sendo necessários).",
        "Where to listen. Anything but 127.0.0.1 lets other machines reach it "
        "(tokens are still needed).",
    ),
    "help_review_port": ("Se estiver ocupada, usa-se uma livre.", "Taken: a free one is used."),
    "help_review_ta": (
        "O nome de um monitor; cada um recebe o seu token e a sua URL, e o seu nome fica no que ele "
        "alterar (repita para vários; padrão: o seu nome de usuário).",
        "A TA's name; each gets their own token and URL, and their name on what they change "
        "(repeat for several; default: your user name).",
    ),
    "help_review_lang": (
        "Língua das páginas e das linhas deste comando (padrão: a da atividade; para as linhas, antes "
        "$AUTOGRADER_LANG).",
        "Language of the pages and of this command's lines (default: the assignment's; "
        "the lines: $AUTOGRADER_LANG first).",
    ),
    "help_review_backend": ("Sandbox de uma nova correção.", "Sandbox of a regrade."),
}
