"""Rule checks of Decree 32/2024/NĐ-CP, QCVN 01 and TCVN 4449 on a simulated run.

`book` reads the rule data (rules.yaml: ids, citations, thresholds) and is all the scenario layer
needs; `findings` holds the shared vocabulary of a check (Finding, Context, judge); the checks
themselves are in `land`, `gates` and `spatial`; `engine` runs them all; `check_table` prints
and exports the findings. This package imports nothing on its own, so reading the book does not
load the checks.
"""
