"""The reader's memory and time against its block size: ``python -m bench.gedcom_blocks FILE
[CHARACTERS]`` reads FILE with ``dzinza.gedcom.reader`` in blocks of CHARACTERS (default: the
reader's own) and prints the structures walked, the seconds and the process's peak RSS in MB.
Run it for two sizes one after the other to compare them."""

from __future__ import annotations

import resource
import sys
import time

import dzinza.gedcom.reader as reader


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2:
        print(__doc__, file=sys.stderr)
        return 2
    if len(argv) == 2:
        reader.CHUNK = int(argv[1])
    started = time.perf_counter()
    structures = 0
    for record in reader.read_gedcom(argv[0]).records():
        for _ in record.walk():
            structures += 1
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"block {reader.CHUNK}: {structures} structures, {seconds:.2f} s, peak {peak} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
