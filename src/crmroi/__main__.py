"""``python -m crmroi``: the same as the ``crmroi`` command."""

from crmroi.cli.app import main

main()
