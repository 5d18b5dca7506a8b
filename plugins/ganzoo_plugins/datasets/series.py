"""``csv``: a user's own time series, one numeric column of a CSV file."""

from __future__ import annotations

import csv as _csv
import math
from pathlib import Path

import numpy as np

from ganzoo.data import DataBundle, DataRequest
from ganzoo.errors import DataError

from .builtin import series_bundle


def _number(text: str) -> float | None:
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def csv(request: DataRequest) -> DataBundle:
    """Standardise one column with the training part's mean/std (stored in ``info``)."""
    opts = request.options
    path = Path(opts.get("path") or (request.root if request.root is not None else ""))
    if not str(path) or str(path) == ".":
        raise DataError("dataset 'csv': no file given (use --data-root FILE.csv or "
                        "--set path=FILE.csv)")
    if not path.is_file():
        raise DataError(f"dataset 'csv': file {path} does not exist "
                        f"(use --data-root FILE.csv or --set path=FILE.csv)")
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(_csv.reader(fh))
    except (OSError, UnicodeDecodeError, _csv.Error) as exc:
        raise DataError(f"dataset 'csv': cannot read {path}: {exc}") from None
    if len(rows) < 2:
        raise DataError(f"dataset 'csv': {path} has no data rows under a header line")
    header = [h.strip() for h in rows[0]]
    body = [r for r in rows[1:] if any(c.strip() for c in r)]
    numeric = [h for i, h in enumerate(header)
               if body and all(i < len(r) and _number(r[i]) is not None for r in body[:50])]
    column = opts.get("column") or ""
    if not column:
        if len(numeric) != 1:
            listed = ", ".join(numeric) or "none"
            raise DataError(f"dataset 'csv': {path} has {len(numeric)} numeric columns "
                            f"({listed}); choose one with --set column=NAME")
        column = numeric[0]
    if column not in header:
        raise DataError(f"dataset 'csv': no column '{column}' in {path} (columns: "
                        f"{', '.join(header)}); use --set column=NAME")
    idx = header.index(column)
    values, bad = [], 0
    for r in body:
        v = _number(r[idx]) if idx < len(r) else None
        if v is None:
            bad += 1
        else:
            values.append(v)
    if bad:
        import logging

        logging.getLogger("ganzoo.datasets").warning(
            "csv: skipped %d non-numeric value(s) in column '%s' of %s", bad, column, path)
    arr = np.asarray(values, dtype=np.float64)
    length = int(request.seq_len or request.default_seq_len or 32)
    cut = int(len(arr) * 0.8)
    if cut < 2:
        raise DataError(f"dataset 'csv': column '{column}' of {path} has only {len(arr)} values")
    mean, std = float(arr[:cut].mean()), float(arr[:cut].std()) or 1.0
    scaled = ((arr - mean) / std).astype(np.float32)
    return series_bundle(request, scaled, length, source=f"{path} column '{column}'",
                         normalization=f"(value - {mean:.6g}) / {std:.6g}",
                         info={"mean": mean, "std": std, "column": column, "skipped": bad})
