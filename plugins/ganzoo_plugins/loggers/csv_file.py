"""``--logger csv``: ``RUN_DIR/metrics.csv``, the records of ``metrics.jsonl`` as one table.

The columns are every key any record has, in the order they first appear (an epoch's test
scores arrive after the first log lines), so the file is rewritten whole, atomically, at each
record, exactly as ``metrics.jsonl`` is: a resumed run's file holds the earlier process's
records too, and a spreadsheet never sees half a row. A missing value is an empty cell.
"""

from __future__ import annotations

import csv
from typing import Any

from ganzoo.io import atomic_open
from ganzoo.loggers import Logger

CSV_NAME = "metrics.csv"


class CsvLogger(Logger):
    def log(self, record: dict[str, Any], history: list[dict[str, Any]]) -> None:
        columns = list(dict.fromkeys(key for r in history for key in r))
        with atomic_open(self.run.out / CSV_NAME, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns, restval="", lineterminator="\n")
            writer.writeheader()
            for r in history:
                writer.writerow({k: _cell(v) for k, v in r.items()})


def _cell(value: Any) -> Any:
    return "" if value is None else repr(value) if isinstance(value, float) else value
