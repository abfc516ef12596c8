"""`clustersim optimise`: which proposed clusters to approve, and when (docs/optimise.md).

`plans` (the plan space, a plan as a scenario, its evaluation on common random numbers),
`search` (neighbourhoods + MILP + full simulation), `solve` (the problem of a run, the search),
`write` (the plan as a scenario file, optimise.json, the Pareto front, the page).
"""
