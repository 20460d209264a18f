"""What the command line says to the operator (a TA, an instructor): id -> (Portuguese, English)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # ---- how an error is shown (autograder.errors, the CLI) ----
    "error_line": ("erro: {message}", "error: {message}"),
    "error_where": ("Onde: {where}", "Where: {where}"),
    "error_fix": ("O que fazer: {fix}", "What to do: {fix}"),
    "cli_warning": ("ATENÇÃO: {text}", "WARNING: {text}"),
    # ---- lists inside a sentence (i18n.joined, i18n.bullets) ----
    "text_join": ("{first}{rest}", "{first}{rest}"),
    "text_bullet": ("\n  - {item}", "\n  - {item}"),
    "text_indented": ("\n  {item}", "\n  {item}"),
    "cli_bad_lang_env": (
        "AUTOGRADER_LANG={value} não é uma língua conhecida ({known}).",
        "AUTOGRADER_LANG={value} is not a known language ({known}).",
    ),
    # ---- usage mistakes ----
    "cli_scheduler_or_cluster": ("passe --scheduler ou --cluster, não os dois",
                                 "pass --scheduler or --cluster, not both"),
    "cli_results_or_gradebook": ("passe RESULTS_DIR ou --from-gradebook, não os dois",
                                 "pass RESULTS_DIR or --from-gradebook, not both"),
    # ---- data ----
    "cli_datasets_ready": ("conjuntos de dados prontos em {cache}", "datasets ready in {cache}"),
    "cli_datasets_verified": ("todos os arquivos de dados conferidos em {cache}",
                              "all dataset files verified in {cache}"),
    # ---- grade ----
    "cli_notebook_of_other_assignment": (
        "O caderno pertence à atividade {named!r}, não a {assignment!r}.",
        "The notebook belongs to the assignment {named!r}, not {assignment!r}.",
    ),
    "cli_notebook_of_other_assignment_fix": (
        "corrija-o com --assignment {named} e o gabarito dessa atividade.",
        "grade it with --assignment {named} and that assignment's key.",
    ),
    "cli_result_written": ("resultado gravado em {path}", "result written to {path}"),
    # ---- report ----
    "cli_report_corrupt_fix": (
        "rode de novo o mesmo `autograder grade-batch` (ele corrige de novo um envio cujo resultado "
        "não pode ser lido), ou tire de RESULTS_DIR o arquivo que não é um resultado; todos os outros "
        "relatórios foram gravados.",
        "run the same `autograder grade-batch` again (it grades again a submission whose result cannot "
        "be read), or move a file that is not a result out of RESULTS_DIR; every other report is written.",
    ),
    # ---- assignment notebooks / build / otter ----
    "cli_wrote": ("gravado {path}", "wrote {path}"),
    "cli_wrote_kind": ("gravado {kind:8} {path}", "wrote {kind:8} {path}"),
    "cli_out_of_date": ("desatualizado: {path}", "out of date: {path}"),
    "cli_out_of_date_fix": (
        "rode `autograder assignment build --assignment {spec}` para gerá-los de novo.",
        "run `autograder assignment build --assignment {spec}` to regenerate them.",
    ),
    "cli_up_to_date": ("{assignment}: os cadernos versionados estão em dia",
                       "{assignment}: the committed notebooks are up to date"),
    # ---- new ----
    "cli_new_created": ("atividade {name!r} criada em {folder} ({count} arquivos):",
                        "created the assignment {name!r} in {folder} ({count} files):"),
    "cli_new_name_taken": (
        "nota: uma atividade instalada também se chama {name!r}; `--assignment {name}` quer dizer "
        "aquela: passe o caminho desta pasta.",
        "note: an installed assignment is also named {name!r}; `--assignment {name}` means that one: "
        "pass this folder's path.",
    ),
    "cli_new_next": (
        "\npróximos passos (já funciona assim; depois troque os exercícios de exemplo pelos seus):",
        "\nnext (it works as it is; then replace the example exercises with yours):",
    ),
    "cli_new_edit_first": (
        "o que editar primeiro: {folder}/README.md; o guia completo: docs/authoring.md do dl-autograder.",
        "what to edit first: {folder}/README.md; the whole guide: docs/authoring.md of dl-autograder.",
    ),
    # ---- gradebook ----
    "cli_gradebook_not_found_fix": (
        "confira o identificador: `autograder gradebook show` lista os alunos e suas últimas "
        "tentativas, `autograder gradebook history STUDENT` as tentativas e alterações de um aluno.",
        "check the id: `autograder gradebook show` lists the students and their latest attempts, "
        "`autograder gradebook history STUDENT` their attempts and overrides.",
    ),
    "cli_gradebook_students": ("{assignment}: {count} aluno(s)", "{assignment}: {count} student(s)"),
    "cli_override_recorded": (
        "alteração #{id}: {student} {target} = {points} ponto(s) (por {who}: {why})",
        "override #{id}: {student} {target} = {points} points (by {who}: {why})",
    ),
    "cli_override_undone": ("alteração #{id} ({target} = {points}) desfeita por {who}",
                            "override #{id} ({target} = {points}) undone by {who}"),
    "cli_comment_recorded": ("comentário #{id} registrado", "comment #{id} recorded"),
    "cli_import_counts": (
        "{recorded} tentativa(s) de correção registrada(s), {already} já estavam lá, {skipped} arquivo(s) "
        "ignorado(s) ({location})",
        "{recorded} attempt(s) recorded, {already} already there, {skipped} file(s) skipped ({location})",
    ),
    "cli_import_skipped": ("  ignorado {line}", "  skipped {line}"),
}
