"""The strategy library's engine (策略库, DESIGN.md §4 step 1): which problems the warning
rules flag on a manager's customers in a month.

- ``spec``: what a rule kind is (``RuleKindSpec``) and the one registry of kinds;
- ``kinds``: the built-in kinds, one spec each (condition, numbers, message fields);
- ``data``: what the conditions read, loaded through the selectors of markets and reports;
- ``engine``: ``warnings_evaluate`` / ``warnings_summary`` / ``warnings_batch``;
- ``store``: ``warnings_compute``: the month's warnings stored for the pages (no cache);
- ``visit_source``: where the ``no_visit`` kind learns the visits.

The rules themselves (thresholds, messages, standard actions) are data: ``WarningRule`` and
``StandardAction`` in ``cycle.models.strategy``, edited in the admin site. Nothing is imported
here, so that the models can import ``kinds`` without loading the engine."""
