"""Run many ``ganzoo`` command lines in one process, under a memory cap, for the CLI property test.

Started by tests/test_cli_property.py as ``python cli_worker.py CAP_BYTES``. It caps its own
address space with ``resource.setrlimit`` (so an over-allocation fails as it would on a small
machine, instead of swapping), then reads one JSON request per line, ``{"argv": [...],
"cwd": "..."}``, runs ``ganzoo.cli.main(argv)`` in ``cwd`` exactly as the console script would,
and answers one JSON line: the exit code, the captured stderr, and the peak RSS so far. An
exception that escapes ``main`` is what a user would see as a traceback and exit code 1; it is
reported as such. Startup costs (importing torch) are paid once, not per example.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import sys
import traceback


def _run(argv: list[str], cwd: str) -> dict:
    from ganzoo.cli import main

    err, out = io.StringIO(), io.StringIO()
    os.chdir(cwd)
    code: object = 0
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            main(argv)
        except SystemExit as exc:
            code = exc.code if exc.code is not None else 0
        except BaseException:  # noqa: BLE001 - exactly what the property forbids
            traceback.print_exc()
            code = 1
    return {"code": code if isinstance(code, int) else 1, "stderr": err.getvalue(), "peak_rss": _peak_rss()}


def _peak_rss() -> int:
    """This interpreter's own peak RSS in bytes. ``ru_maxrss`` would also count the pages of the
    pytest process that forked it (Linux keeps the high-water mark across exec); VmHWM does not."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main() -> None:
    cap = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    import torch  # noqa: F401 - imported under the cap, as the CLI would

    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        print(json.dumps(_run(request["argv"], request["cwd"])), flush=True)


if __name__ == "__main__":
    main()
