"""The web dashboard: ``create_app(settings)`` serves the report's and the CLI's typed results.

Nothing here computes an analysis: pages read the frozen :class:`~crmroi.report.Report`, the
findings and the KPI engine's rows, cached per workspace version (:mod:`crmroi.web.results`).
"""
