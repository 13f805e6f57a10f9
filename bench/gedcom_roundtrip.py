"""Import then export one GEDCOM file with the Dzinza code on ``sys.path``, for side-by-side
runs of two versions of the code: ``PYTHONPATH=OTHER/src python -m bench.gedcom_roundtrip FILE
DIR [DATABASE_URL]`` migrates a database in DIR (SQLite unless DATABASE_URL is given), imports
FILE into a new tree, exports it as GEDCOM 7.0 and prints one JSON line: seconds of each step,
the process's peak RSS and the people imported."""

from __future__ import annotations

import json
import resource
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from dzinza import bootstrap
from dzinza.services.gedcom import run_export, run_import
from dzinza.settings import Settings


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    options: dict[str, Any] = {"data_dir": Path(argv[1])}
    if len(argv) == 3:
        options["database_url"] = argv[2]
    settings = Settings(**options)
    bootstrap.migrate(settings)
    platform = bootstrap.build(settings)
    started = time.perf_counter()
    report = run_import(platform, Path(argv[0]))
    imported = time.perf_counter() - started
    started = time.perf_counter()
    run_export(platform, uuid.UUID(report["tree_id"]), Path(argv[1]) / "export.ged", "gedcom7")
    exported = time.perf_counter() - started
    platform.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(
        json.dumps(
            {
                "import_s": round(imported, 2),
                "export_s": round(exported, 2),
                "peak_mb": peak,
                "people": report["counts"]["individuals"],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
