#!/usr/bin/env python3
"""Fails when a file in src/<module>/ includes a module its row in docs/architecture.md does
not allow.

Usage: scripts/check-includes.py [--root DIR]   (DIR holds src/ and docs/architecture.md)

The table between <!-- include-check:begin --> and <!-- include-check:end --> lists each module
(a folder under src/, or a file such as main.cpp) and the modules it may include. A file belongs
to the longest module path that contains it; an include "x/y.hpp" names the longest module path
that prefixes it. A module may always include itself. Also fails on a source folder that is in no
module, an include that names no module, and a table that is not in build order (a row naming a
module listed below it), since that would let the arrows form a cycle.
"""
import argparse
import pathlib
import re
import sys

BEGIN, END = "<!-- include-check:begin -->", "<!-- include-check:end -->"
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
SOURCES = (".cpp", ".hpp", ".h", ".cc")


def read_table(doc):
    text = doc.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        sys.exit(f"{doc}: no {BEGIN} ... {END} table")
    rows = {}
    for line in text.split(BEGIN, 1)[1].split(END, 1)[0].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or cells[0] in ("module", "") or set(cells[0]) <= set("-"):
            continue
        rows[cells[0]] = cells[1].split()
    return rows


def owner(path, modules):
    """The longest module that is path or a folder containing it."""
    best = None
    for m in modules:
        if (path == m or path.startswith(m + "/")) and (best is None or len(m) > len(best)):
            best = m
    return best


def check(root):
    src = root / "src"
    rows = read_table(root / "docs" / "architecture.md")
    problems = []
    order = list(rows)
    for i, (module, allowed) in enumerate(rows.items()):
        for dep in allowed:
            if dep not in rows:
                problems.append(f"table: {module} may include {dep}, which is no module")
            elif order.index(dep) >= i:
                problems.append(f"table: {module} may include {dep}, listed at or below it")
    for file in sorted(p for p in src.rglob("*") if p.suffix in SOURCES and p.is_file()):
        rel = file.relative_to(src).as_posix()
        module = owner(rel, rows)
        if module is None:
            problems.append(f"src/{rel}: in no module of the table")
            continue
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            target = owner(match.group(1), rows)
            if target is None:
                problems.append(f"src/{rel}:{number}: #include \"{match.group(1)}\" names no module")
            elif target != module and target not in rows[module]:
                problems.append(
                    f"src/{rel}:{number}: {module} may not include {match.group(1)} "
                    f"({module} may include: {' '.join(rows[module]) or 'nothing'})")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=pathlib.Path,
                        default=pathlib.Path(__file__).resolve().parent.parent)
    args = parser.parse_args()
    problems = check(args.root)
    for p in problems:
        print(p)
    if problems:
        print(f"include check: {len(problems)} problem(s); the arrows are in docs/architecture.md")
        return 1
    print("include check: every include follows docs/architecture.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
