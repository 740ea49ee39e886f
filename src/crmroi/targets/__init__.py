"""Targets a user sets: by command, by file or in ``crmroi.toml``, judged by the KPI engine.

The goals live in the workspace's ``targets`` table, where the KPI engine
(:mod:`crmroi.metrics.targets`) finds them and adds target, attainment and status to every KPI
row. This package writes them there (``crmroi targets set``, ``crmroi targets import`` and the
``[targets]`` table of ``crmroi.toml``) and lists each with its attainment. See
``docs/targets.md``.
"""
