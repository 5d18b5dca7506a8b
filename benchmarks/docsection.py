"""One writer for docs/benchmarks.md, shared by every benchmark script.

Each script owns some ``## `` sections and replaces only those, re-reading the file right
before an atomic write, so scripts run at different times never drop each other's results.
"""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def write_sections(sections: dict[str, str], doc: Path = DOC, first: str | None = None) -> None:
    """Replace each ``title -> body`` section (body starts with its title line).

    A missing section is appended, or put right after the page title when it is ``first``
    (the machine-info header).
    """
    from ganzoo.io import atomic_open

    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    for title, body in sections.items():
        body = body.rstrip("\n") + "\n"
        pattern = re.compile(rf"^{re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
        if pattern.search(text):
            text = pattern.sub(lambda _, body=body: body + "\n", text, count=1)
        elif title == first:
            head, sep, rest = text.partition("\n## ")
            text = head.rstrip("\n") + "\n\n" + body + "\n" + ("## " + rest if sep else "")
        else:
            text = text.rstrip("\n") + "\n\n" + body
    with atomic_open(doc, "w", encoding="utf-8") as fh:
        fh.write(text.rstrip("\n") + "\n")


def write_section(title: str, body: str) -> None:
    """:func:`write_sections` for one section."""
    write_sections({title: body})
