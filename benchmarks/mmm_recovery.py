"""Marketing-mix recovery of planted truth on 20 simulated worlds: the table in docs/mmm.md.

Usage: python benchmarks/mmm_recovery.py [--worlds 20] [--bootstrap 500]
"""

from __future__ import annotations

import argparse

from crmroi.mmm.recovery import markdown, recovery, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=20)
    parser.add_argument("--bootstrap", type=int, default=500)
    args = parser.parse_args()
    found = recovery(range(args.worlds), bootstrap=args.bootstrap)
    print(markdown(found))
    print(summary(found))


if __name__ == "__main__":
    main()
