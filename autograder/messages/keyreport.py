"""The answer key's Markdown report (``templates/key_report.md.j2``, ``keybuild.render_report``):
its headings, table headers and sentences, id -> (Portuguese, English).

The values (numbers, quantity ids, paths, code) are filled in as they are; the verdict words are
the feedback catalogue's ``drift_status_<status>``.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # ---- the head ----
    "keyreport_title": ("Relatório do gabarito — `{name}` {version}, perfil `{profile}`",
                        "Answer key report — `{name}` {version}, profile `{profile}`"),
    "keyreport_title_no_assignment": ("Relatório do gabarito — perfil `{profile}`",
                                      "Answer key report — profile `{profile}`"),
    "keyreport_built": ("Construído em {built_at} com Python {python}, TensorFlow {tensorflow}, "
                        "Keras {keras}, NumPy {numpy}, scikit-learn {scikit_learn} em {platform} "
                        "({machine}, {cpu}).",
                        "Built {built_at} with Python {python}, TensorFlow {tensorflow}, "
                        "Keras {keras}, NumPy {numpy}, scikit-learn {scikit_learn} on {platform} "
                        "({machine}, {cpu})."),
    "keyreport_contract": ("Contrato: sha256 `{sha256}`.", "Contract sha256 `{sha256}`."),
    "keyreport_default_intro": ("\"Hoje\" é a execução de referência com semente determinística; "
                                "\"observado\" são processos novos com as sementes que a folha "
                                "indica; \"publicado\" são os valores que a própria folha imprime.",
                                "\"Today\" is the reference run under deterministic seeding; "
                                "\"observed\" are fresh processes seeded as the sheet says; "
                                "\"published\" are the values the sheet itself prints."),
    # ---- does each official answer still hold? ----
    "keyreport_drift_heading": ("Cada resposta oficial ainda se confirma?",
                                "Does each official answer still hold?"),
    "keyreport_col_exercise": ("exercício", "exercise"),
    "keyreport_col_official": ("oficial", "official"),
    "keyreport_col_verdict": ("veredito", "verdict"),
    "keyreport_col_runs_supporting": ("execuções que a sustentam", "runs supporting it"),
    "keyreport_col_letters_supported": ("alternativas que os números de hoje sustentam",
                                        "letters today's numbers support"),
    "keyreport_no_letter": ("nenhuma", "none"),
    "keyreport_drift_summary": ("Exercício {exercise}: a resposta oficial ({official}) é sustentada "
                                "por {supporting} de {runs} execuções de hoje{others}{deterministic}.",
                                "Exercise {exercise}: the official answer ({official}) is supported "
                                "by {supporting} of {runs} runs today{others}{deterministic}."),
    "keyreport_drift_others": ("; os números sustentam {letters}", "; the numbers support {letters}"),
    "keyreport_drift_letter_in": ("({letter}) em {n}", "({letter}) in {n}"),
    "keyreport_drift_deterministic": ("; a execução determinística sustenta {letters}",
                                      "; the deterministic run supports {letters}"),
    "keyreport_drift_deterministic_none": ("; a execução determinística não sustenta nenhuma "
                                           "alternativa",
                                           "; the deterministic run supports no option"),
    "keyreport_warning": ("Atenção — exercício {exercise}:", "Warning — exercise {exercise}:"),
    "keyreport_consistency_credit": ("O corretor também aceita uma alternativa coerente com os "
                                     "próprios números do aluno (`consistency_credit` no contrato).",
                                     "The grader also accepts a letter that is consistent with the "
                                     "student's own numbers (`consistency_credit` in the contract)."),
    "keyreport_detail_heading": ("Exercício {exercise} em detalhe ({runs} execuções):",
                                 "Exercise {exercise} in detail ({runs} runs):"),
    # ---- quantities ----
    "keyreport_quantities_heading": ("Grandezas", "Quantities"),
    "keyreport_rules_intro": ("Regras de tolerância das grandezas de treino (`tolerance.rule` de "
                              "cada grandeza; dp é o desvio-padrão); uma execução degenerada "
                              "(marcada pelo código de referência) mantém o próprio intervalo, mas "
                              "fica fora do dp:",
                              "Tolerance rules of the training quantities (each quantity's "
                              "`tolerance.rule`); a degenerate run (flagged by the reference code) "
                              "keeps its own interval but is left out of the std:"),
    "keyreport_rule": ("união, sobre as execuções observadas, de v ± max({k}·dp(execuções "
                       "saudáveis), {rel}·|v|, {abs})",
                       "union over observed runs of v ± max({k}·std(healthy runs), {rel}·|v|, {abs})"),
    "keyreport_rule_within": (", dentro de [{lower}, {upper}]", ", within [{lower}, {upper}]"),
    "keyreport_rule_count_one": ("1 grandeza", "1 quantity"),
    "keyreport_rule_count": ("{n} grandezas", "{n} quantities"),
    "keyreport_col_quantity": ("grandeza", "quantity"),
    "keyreport_col_today": ("hoje", "today"),
    "keyreport_col_published": ("publicado", "published"),
    "keyreport_col_observed": ("observado em processos novos com as sementes da folha (n, mín – máx, "
                               "dp, degeneradas)",
                               "observed in fresh processes seeded as the sheet says (n, min – max, "
                               "std, degenerate)"),
    "keyreport_col_accepted": ("aceito", "accepted"),
    "keyreport_spread": ("n={n}, {min} – {max}, dp {std}", "n={n}, {min} – {max}, std {std}"),
    "keyreport_spread_degenerate": (", degeneradas {n}", ", degenerate {n}"),
    "keyreport_deterministic": ("determinística", "deterministic"),
    "keyreport_tolerance_exact": ("exata", "exact"),
    "keyreport_tolerance_envelope": ("só no gráfico (envoltória mín–máx das execuções)",
                                     "plot only (min–max envelope of the runs)"),
    # ---- degenerate outcomes and wrong variants ----
    "keyreport_degenerate_heading": ("Resultados degenerados honestos (aceitos sem desconto)",
                                     "Honest degenerate outcomes (accepted without penalty)"),
    "keyreport_under": ("`{qid}` no caso `{case}`: {value}", "`{qid}` under `{case}`: {value}"),
    "keyreport_none": ("Nenhum.", "None."),
    "keyreport_variants_heading": ("Variantes erradas conhecidas (equívocos nomeados)",
                                   "Known wrong variants (named misconceptions)"),
    # ---- runs and timings ----
    "keyreport_runs_heading": ("Execuções e tempos", "Runs and timings"),
    "keyreport_runs_item_one": ("{exercise}: 1 execução, que levou {seconds} s",
                                "{exercise}: 1 run, which took {seconds} s"),
    "keyreport_runs_item": ("{exercise}: {n} execuções; a mais lenta levou {seconds} s",
                            "{exercise}: {n} runs; slowest {seconds} s"),
    "keyreport_profile_settings": ("Configurações do perfil:", "Profile settings:"),
}
