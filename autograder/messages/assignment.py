"""Assignments, their sources, contracts and scaffolds:
their errors and the lines they say to the operator, id -> (Portuguese, English)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # ---- lists inside one sentence (autograder.contract.bullets) ----

    # ---- finding and loading an assignment (autograder.assignment) ----
    "assignment_no_reference_code": (
        "A atividade {name!r} não tem código de referência para {exercise!r}.",
        "Assignment {name!r} has no reference code for {exercise!r}."),
    "assignment_no_reference_code_fix": (
        "implemente run_reference nos hooks da atividade ou retire o exercício de [key] exercises "
        "no assignment.toml.",
        "implement run_reference in the assignment's hooks, or remove the exercise from [key] "
        "exercises in assignment.toml."),
    "assignment_no_profile": ("A atividade {name!r} não tem o perfil {profile!r}.",
                              "Assignment {name!r} has no profile {profile!r}."),
    "assignment_no_profile_fix": ("escolha um destes: {profiles}.", "choose one of: {profiles}."),
    "assignment_no_profile_none": ("(nenhum declarado)", "(none declared)"),
    "assignment_preload_malformed": ("[sandbox] preload deve ser uma lista de nomes de módulos.",
                                     "[sandbox] preload must be a list of module names."),
    "assignment_preload_malformed_fix": ('escreva, por exemplo, preload = ["numpy", "matplotlib.pyplot"].',
                                         'write, for example, preload = ["numpy", "matplotlib.pyplot"].'),
    "assignment_late_malformed": ("A política de atraso é inválida: {detail}.",
                                  "The late policy is malformed: {detail}."),
    "assignment_late_not_table": ("[late] precisa ser uma tabela", "[late] must be a table"),
    "assignment_late_fix": ("veja docs/authoring.md, seção 3 ([late]).",
                            "see docs/authoring.md, section 3 ([late])."),
    "assignment_submission_not_string": (
        "`submission` precisa ser um nome de arquivo ou um glob (um texto).",
        "`submission` must be a file name or a glob (a string)."),
    "assignment_submission_fix": ('por exemplo submission = "exercicios.ipynb"',
                                  'e.g. submission = "exercicios.ipynb"'),
    "assignment_file_unreadable": ("Não foi possível ler {file}: {error}", "Cannot read {file}: {error}"),
    "assignment_file_unreadable_fix": ("corrija o arquivo na pasta da atividade.",
                                       "correct the file in the assignment's folder."),
    "assignment_not_a_folder": ("{folder} não é uma pasta de atividade: não tem __init__.py.",
                                "{folder} is not an assignment folder: it has no __init__.py."),
    "assignment_not_a_folder_fix": (
        "rode `autograder new NAME` para criar uma, ou acrescente o __init__.py.",
        "run `autograder new NAME` to scaffold one, or add __init__.py."),
    "assignment_cannot_import": ("Não foi possível importar {path}.", "Cannot import {path}."),
    "assignment_import_failed": ("O código da atividade falhou ao ser importado: {error_type}: {error}",
                                 "The assignment's code failed to import: {error_type}: {error}"),
    "assignment_import_failed_fix": ("corrija o erro no pacote da atividade.",
                                     "fix the error in the assignment's package."),
    "assignment_manifest_unreadable": ("Não foi possível ler o manifesto da atividade: {error}",
                                       "Cannot read the assignment's manifest: {error}"),
    "assignment_manifest_unreadable_fix": (
        "toda pasta de atividade tem um {manifest}; veja docs/authoring.md.",
        "every assignment folder has a {manifest}; see docs/authoring.md."),
    "assignment_manifest_missing": ("{manifest} não tem {field!r} (um texto).",
                                    "{manifest} has no {field!r} (a string)."),
    "assignment_manifest_missing_fix": ('acrescente `{field} = "..."` no início dele.',
                                        'add `{field} = "..."` at its top.'),
    "assignment_bad_hooks": ("O `hooks` da atividade não implementa AssignmentHooks.",
                             "The assignment's `hooks` does not implement AssignmentHooks."),
    "assignment_bad_hooks_fix": ("faça dele uma subclasse de autograder.sdk.BaseHooks.",
                                 "subclass autograder.sdk.BaseHooks."),
    "assignment_no_contract": ("A atividade não tem contract.json.", "The assignment has no contract.json."),
    "assignment_no_contract_fix": ("veja docs/authoring.md, passo 2.", "see docs/authoring.md, step 2."),
    "assignment_installed_import_failed": (
        "A atividade instalada {name!r} falhou ao ser importada: {error_type}: {error}",
        "The installed assignment {name!r} failed to import: {error_type}: {error}"),
    "assignment_entry_point_not_package": (
        "O entry point de {name!r} precisa indicar o pacote da atividade.",
        "The entry point of {name!r} must name the assignment's package."),
    "assignment_entry_point_not_package_fix": (
        "aponte-o para o pacote, por exemplo `assignments.my_sheet`.",
        "point it at the package, e.g. `assignments.my_sheet`."),
    "assignment_several_installed": ("Há várias atividades instaladas; qual delas?",
                                     "Several assignments are installed; which one?"),
    "assignment_several_installed_fix": ("passe --assignment NAME|PATH (instaladas: {names})",
                                         "pass --assignment NAME|PATH (installed: {names})"),
    "assignment_none_installed": ("Nenhuma atividade está instalada.", "No assignment is installed."),
    "assignment_none_installed_fix": (
        "passe --assignment PATH (uma pasta com assignment.toml) ou instale uma com `pip install`.",
        "pass --assignment PATH (a folder with assignment.toml), or `pip install` one."),
    "assignment_not_found": ("Não há atividade {name!r}.", "No assignment {name!r}."),
    "assignment_not_found_fix": (
        "passe o nome de uma atividade instalada ({names}) ou o caminho da pasta de uma atividade.",
        "pass an installed name ({names}) or the path of an assignment folder."),
    "assignment_not_found_none_installed": ("nenhuma instalada", "none installed"),

    # ---- a key or result of another assignment (autograder.assignment.check_same) ----
    "assignment_recorded_key": ("gabarito", "key"),
    "assignment_recorded_answer_key": ("gabarito", "answer key"),
    "assignment_recorded_result": ("resultado", "result"),
    "assignment_recorded_notebook": ("caderno", "notebook"),
    "assignment_mismatch_other": ("O {what} pertence à atividade {recorded!r}, não a {name!r}.",
                                  "The {what} belongs to assignment {recorded!r}, not {name!r}."),
    "assignment_mismatch_other_fix": (
        "use o {what} de {name!r} (os gabaritos dela estão em {keys}) ou passe --assignment {recorded}.",
        "use the {what} of {name!r} (its keys are under {keys}), or pass --assignment {recorded}."),
    "assignment_mismatch_contract": (
        "O {what} foi feito com outra versão do contrato de {name!r} (sha256 do contrato "
        "{recorded_sha}…, instalado {installed_sha}…).",
        "The {what} was made with another version of {name!r}'s contract (contract sha256 "
        "{recorded_sha}…, installed {installed_sha}…)."),
    "assignment_mismatch_contract_fix": (
        "reconstrua o gabarito com `autograder key build` para o contrato instalado.",
        "rebuild the key with `autograder key build` for the installed contract."),

    # ---- the authored source (autograder.authoring) ----
    "authoring_text_outside_block": ("Texto inesperado fora de um bloco ```python: {text!r}",
                                     "Unexpected text outside a ```python block: {text!r}"),
    "authoring_text_outside_block_fix": (
        "coloque o conteúdo das células de código dentro de cercas ```python ... ```.",
        "put code cells' content inside ```python ... ``` fences."),
    "authoring_block_not_closed": ("Um bloco ```python nunca é fechado.",
                                   "A ```python block is never closed."),
    "authoring_block_not_closed_fix": ("feche-o com uma linha contendo só ```.",
                                       "close it with a line holding only ```."),
    "authoring_selfcheck_json_not_closed": ("O bloco ```json selfcheck nunca é fechado.",
                                            "The ```json selfcheck block is never closed."),
    "authoring_selfcheck_json_invalid": ("O bloco ```json selfcheck não é um JSON válido: {error}",
                                         "The ```json selfcheck block is not valid JSON: {error}"),
    "authoring_selfcheck_json_invalid_fix": ("corrija o JSON no preâmbulo da fonte.",
                                             "correct the JSON in the source's preamble."),
    "authoring_selfcheck_json_not_object": ("O bloco ```json selfcheck precisa ser um objeto JSON.",
                                            "The ```json selfcheck block must be a JSON object."),
    "authoring_no_markers": ("A fonte não tem marcas de célula.", "The source has no cell markers."),
    "authoring_no_markers_fix": ("comece cada célula com <!-- cell id=... exercise=... role=... -->.",
                                 "start each cell with <!-- cell id=... exercise=... role=... -->."),
    "authoring_bad_marker": ("Marca de célula inválida (desconhecidos {unknown}, faltando {missing}).",
                             "Bad cell marker (unknown {unknown}, missing {missing})."),
    "authoring_bad_marker_fix": ("use id=, exercise=, role= e, se preciso, part=.",
                                 "use id=, exercise=, role= and optionally part=."),
    "authoring_bad_cell_id": ("O identificador de célula {id!r} não é válido.",
                              "Cell id {id!r} is not a valid id."),
    "authoring_bad_cell_id_fix": ("use letras minúsculas, dígitos, '-' e '_' (no máximo 64).",
                                  "use lowercase letters, digits, '-' and '_' (at most 64)."),
    "authoring_unknown_role": ("Papel desconhecido: {role!r}.", "Unknown role {role!r}."),
    "authoring_unknown_role_fix": ("use um destes: {roles}.", "use one of {roles}."),
    "authoring_text_cell_empty": ("A célula de texto {id} está vazia.", "Text cell {id} is empty."),
    "authoring_answer_blocks": (
        "A célula de resposta {id} precisa de um bloco ```python student e depois de um bloco "
        "```python solution (encontrado: {found}).",
        "Answer cell {id} needs a ```python student block, then a ```python solution block "
        "(found {found})."),
    "authoring_letter_takes_no_code": ("A célula da alternativa {id} é gerada; não leva código.",
                                       "Letter cell {id} is generated; it takes no code."),
    "authoring_one_block": ("A célula {id} ({role}) precisa de exatamente um bloco ```python.",
                            "Cell {id} ({role}) needs exactly one ```python block."),
    "authoring_duplicate_cell_id": ("identificador de célula repetido: {id!r}", "duplicate cell id {id!r}"),
    "authoring_unknown_exercise": ("célula {id}: exercício desconhecido {exercise!r}",
                                   "cell {id}: unknown exercise {exercise!r}"),
    "authoring_part_not_of_exercise": ("célula {id}: a parte {part!r} não é uma parte de {exercise}",
                                       "cell {id}: part {part!r} is not a part of {exercise}"),
    "authoring_role_has_no_part": ("célula {id}: células {role} não pertencem a nenhuma parte "
                                   "(part={part!r})",
                                   "cell {id}: {role} cells belong to no part (part={part!r})"),
    "authoring_selfcheck_first": (
        "a célula de autoverificação gerada (role=selfcheck, sem código) precisa aparecer uma vez, "
        "como a primeira célula de código",
        "the generated self-check cell (role=selfcheck, no code) must appear once, as the first "
        "code cell"),
    "authoring_parts_contiguous": (
        "as células de uma parte precisam ser contíguas (ordem das partes encontrada: {found})",
        "the cells of a part must be contiguous (part order found: {found})"),
    "authoring_parts_order": (
        "cada parte precisa aparecer uma vez, na ordem do contrato {expected} (encontrado: {found})",
        "parts must appear once each, in the contract's order {expected} (found {found})"),
    "authoring_letter_cell": ("{exercise} precisa de uma célula de alternativa, na sua última parte {part}",
                              "{exercise} needs one letter cell, in its last part {part}"),
    "authoring_selfcheck_last": (
        '{exercise} precisa terminar com uma célula de autoverificação contendo check("{exercise}")',
        '{exercise} must end with a self-check cell holding check("{exercise}")'),
    "authoring_unknown_expectation": ("expectativa de autoverificação para uma leitura desconhecida {ref!r}",
                                      "self-check expectation for unknown read {ref!r}"),
    "authoring_disagrees": ("A fonte da atividade discorda do contrato:{problems}",
                            "The authored source disagrees with the contract:{problems}"),
    "authoring_disagrees_fix": ("corrija o arquivo da fonte.", "correct the source file."),
    "authoring_source_unreadable": ("Não foi possível ler a fonte da atividade: {error}",
                                    "Cannot read the authored source: {error}"),
    "authoring_template_error": ("Não foi possível renderizar um modelo de código: {error}",
                                 "Cannot render a code template: {error}"),
    "authoring_cannot_embed": (
        "Não é possível embutir {what} na célula de autoverificação: contém ''' ou termina com uma "
        "barra invertida.",
        "Cannot embed {what} in the self-check cell: it contains ''' or ends with a backslash."),
    "authoring_cannot_embed_fix": ("evite ''' em {what}.", "avoid ''' in {what}."),
    "authoring_contract_json": ("o JSON do contrato", "the contract JSON"),
    "authoring_undeclared_need": (
        '{exercise} usa {names} de {source}: acrescente "needs": ["{source}"] a {exercise} no '
        'contrato, ou defina esses nomes em {exercise}',
        '{exercise} uses {names} from {source}: add "needs": ["{source}"] to {exercise} in the '
        'contract, or define them in {exercise}'),
    "authoring_undeclared_needs": ("Um exercício depende das células de outro:{problems}",
                                   "An exercise depends on another one's cells:{problems}"),
    "authoring_undeclared_needs_fix": (
        'declare a dependência com "needs" no contrato (docs/authoring.md, a seção sobre '
        'exercícios que dependem de outros, `needs`).',
        'declare the dependency with "needs" in the contract (docs/authoring.md, "Exercises that '
        'build on others").'),

    # ---- the answer contract (autograder.contract) ----
    "contract_no_exercise": ("Não há exercício {exercise!r} no contrato de {module}.",
                             "No exercise {exercise!r} in the contract of {module}."),
    "contract_schema_at": ("em {path}: {message}", "at {path}: {message}"),
    "contract_schema_top": ("(raiz)", "(top)"),
    "contract_schema_mismatch": ("O contrato de respostas não segue o seu esquema:{errors}",
                                 "The answer contract does not match its schema:{errors}"),
    "contract_schema_mismatch_fix": (
        "corrija o arquivo do contrato; o esquema é autograder/schemas/contract.schema.json.",
        "correct the contract file; the schema is autograder/schemas/contract.schema.json."),
    "contract_undeclared_read": ("a verificação {check} lê {ref!r}, que o exercício {exercise} não declara",
                                 "check {check} reads {ref!r}, which exercise {exercise} does not declare"),
    "contract_no_key_quantity": ("a verificação {check} não tem grandeza do gabarito",
                                 "check {check} has no key quantity"),
    "contract_source_rule": (
        "verificação {check}: uma verificação de código precisa de uma regra do tipo {rules}",
        "check {check}: a source check needs a rule of kind {rules}"),
    "contract_rule_or": ("{first} ou {second}", "{first} or {second}"),
    "contract_wrong_letters": (
        "verificação {check}: wrong_letters cita {letters}, que não estão entre as alternativas",
        "check {check}: wrong_letters names {letters}, not among the letter choices"),
    "contract_unknown_requires": (
        "a verificação {check} exige {unknown}, que não são outras verificações do exercício {exercise}",
        "check {check} requires {unknown}, which are not other checks of exercise {exercise}"),
    "contract_requires_cycle": (
        "exercício {exercise}: as verificações exigem umas às outras em ciclo ({cycle})",
        "exercise {exercise}: checks require each other in a cycle ({cycle})"),
    "contract_points_mismatch": (
        "exercício {exercise}: as verificações somam {total:g} pontos, mas o exercício vale {points:g}",
        "exercise {exercise}: checks add up to {total:g} points, the exercise is worth {points:g}"),
    "contract_needs_not_earlier": (
        "exercício {exercise}: precisa de {need!r}, que não é um exercício anterior",
        "exercise {exercise}: needs {need!r}, which is not an earlier exercise"),
    "contract_part_ids_unique": ("os identificadores das partes precisam ser únicos no módulo",
                                 "part ids must be unique across the module"),
    "contract_inconsistent": ("O contrato de respostas é inconsistente:{problems}",
                              "The answer contract is inconsistent:{problems}"),
    "contract_inconsistent_fix": ("corrija o arquivo do contrato.", "correct the contract file."),
    "contract_unreadable": ("Não foi possível ler o contrato de respostas: {error}",
                            "Cannot read the answer contract: {error}"),

    # ---- `autograder new` (autograder.scaffold) ----
    "scaffold_bad_name": ("{name!r} não pode ser o nome de uma atividade.",
                          "{name!r} cannot name an assignment."),
    "scaffold_bad_name_fix": (
        "use letras minúsculas, dígitos e '_', começando por uma letra (no máximo 64), por exemplo "
        "`autograder new modulo_iv`.",
        "use lowercase letters, digits and '_', starting with a letter (at most 64), "
        "e.g. `autograder new modulo_iv`."),
    "scaffold_bad_title": ("O título {title!r} precisa ser uma única linha não vazia.",
                           "The title {title!r} must be one non-empty line."),
    "scaffold_bad_title_fix": ("passe --title 'Módulo IV - ...' em uma só linha.",
                               "pass --title 'Módulo IV - ...' on one line."),
    "scaffold_templates_incomplete": ("Os modelos do esqueleto estão incompletos (faltam {missing}).",
                                      "The scaffold's templates are incomplete (missing {missing})."),
    "scaffold_templates_incomplete_fix": ("reinstale o dl-autograder (pip install -e .).",
                                          "reinstall dl-autograder (pip install -e .)."),
    "scaffold_folder_is_file": ("Não foi possível criar a pasta da atividade: {folder} é um arquivo.",
                                "Cannot create the assignment folder: {folder} is a file."),
    "scaffold_folder_is_file_fix": ("escolha outro lugar com --dir.", "choose another place with --dir."),
    "scaffold_folder_not_empty": (
        "Recusado sobrescrever: a pasta já existe e não está vazia ({count} itens: {shown}). Nada "
        "foi escrito.",
        "Refusing to overwrite: the folder already exists and is not empty ({count} entries: "
        "{shown}). Nothing was written."),
    "scaffold_folder_not_empty_fix": (
        "escolha outro NAME ou --dir, ou tire essa pasta do lugar antes (uma pasta vazia que já "
        "existe serve).",
        "choose another NAME or --dir, or move that folder away first (an existing empty folder "
        "is fine)."),
}
