"""Run one exercise in this (fresh) process and write its numbers as JSON.

    python -m reference.run 7 --profile smoke --seeding sheet --out run.json

The key builder starts one such process per run: the sheet's seeding is only meaningful in a
fresh process, and a crash or a dead kernel costs one run, not the build.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from autograder.environment import current
from reference.profiles import get_profile
from reference.registry import runner


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m reference.run")
    p.add_argument("exercise", type=int)
    p.add_argument("--profile", default="full")
    p.add_argument("--seeding", default="deterministic")
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)

    def progress(msg: str) -> None:
        print(msg, flush=True)

    start = time.perf_counter()
    result = runner(args.exercise)(get_profile(args.profile), args.seeding, progress)
    result["wall_seconds"] = time.perf_counter() - start
    result["profile"] = args.profile
    result["seeding"] = args.seeding
    result["environment"] = current().to_dict()
    tmp = args.out.with_name(args.out.name + ".part")
    tmp.write_text(json.dumps(result, indent=1, sort_keys=True))
    os.replace(tmp, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
