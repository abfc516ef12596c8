"""Every human-language word the simulator shows, in Vietnamese (default) and English: here.

- `pages`: the map, report and comparison pages, and the labels of metrics, units, statuses,
  kinds and map features (`words`, `metric_label`, `unit_label`, `check_lang`);
- `checks`: the plain-text table of `clustersim check`;
- `rules`: each rule's title, short legal reference and fix (the rule book, `rules/rules.yaml`,
  keeps the ids, citations and thresholds);
- `findings`: the messages of the rule checks (a key and parameters, rendered per language);
- `sensitivity`: the phrases naming parameters and metrics, and the tornado chart's legend;
- `optimise`: the decisions section of `clustersim optimise`'s page.

What is still only in English is marked `# en only` in these modules.
"""
