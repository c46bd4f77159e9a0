"""Check the install a user does: run with the Python of a venv made by ``pip install -e .`` alone (the pip
Python ships, no test extras), it scans a folder of text and HTML articles through the installed ``dedup``.

Not collected by pytest (no ``test_`` prefix): ``make plain-install-check`` runs it; exit 0 when it held.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from textgen import html_page  # beside this script, which runs as a script (not in the tests package)

SEED_A = Path(__file__).resolve().parent.parent / "corpora" / "000_81ea75a533acccf5.txt"


def main() -> int:
    dedup = Path(sys.executable).parent / "dedup"
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        text = SEED_A.read_text(encoding="utf-8")
        (root / "wire.txt").write_text(text, encoding="utf-8")
        (root / "page.html").write_text(html_page(text), encoding="utf-8")
        run = subprocess.run(
            [str(dedup), "scan", folder, "--json", "--quiet", "--jobs", "1"], capture_output=True, text=True
        )
    if run.returncode != 0:
        print(f"dedup scan exited {run.returncode}:\n{run.stderr}", file=sys.stderr)
        return 1
    summary = json.loads(run.stdout)
    problems = []
    if summary["articles"] != 2 or summary["skipped"]:
        problems.append(f"expected both articles read, got {summary['articles']} and {summary['skipped']}")
    if summary["derived_pairs"] != 1:
        problems.append(f"expected the page to derive from the text, got {summary['derived_pairs']} pairs")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
