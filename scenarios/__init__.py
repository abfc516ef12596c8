"""The bundled scenarios, installed as the package ``simulator.bundled_scenarios``.

``pyproject.toml`` maps this folder (``scenarios/`` in the repository) into the package, so an
installed ``clustersim`` finds them by name: ``clustersim run expansion`` is
``clustersim run scenarios/expansion.yaml`` (``simulator.scenario.load.scenario_path``).
"""
