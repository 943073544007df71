#!/usr/bin/env python3
"""Proves scripts/check-includes.py catches crossed arrows: over a copy of src/ and
docs/architecture.md it passes as is, then fails (naming the file and line) for each forbidden
include injected on purpose, and for a table whose arrows would form a cycle.

Usage: tests/include_check_test.py <repository root>
"""
import pathlib
import shutil
import subprocess
import sys
import tempfile

root = pathlib.Path(sys.argv[1]).resolve()
script = root / "scripts" / "check-includes.py"
failures = []


def run(tree):
    r = subprocess.run([sys.executable, str(script), "--root", str(tree)], capture_output=True,
                       text=True)
    return r.returncode, r.stdout + r.stderr


def fresh_copy(tmp, name):
    tree = pathlib.Path(tmp) / name
    shutil.copytree(root / "src", tree / "src")
    (tree / "docs").mkdir()
    shutil.copy(root / "docs" / "architecture.md", tree / "docs")
    return tree


def inject(tree, file, include):
    path = tree / "src" / file
    lines = path.read_text().splitlines()
    # After the first line (#pragma once or the own header): a real position for an include.
    lines.insert(1, f'#include "{include}"')
    path.write_text("\n".join(lines) + "\n")
    return f"src/{file}:2:"


with tempfile.TemporaryDirectory() as tmp:
    code, out = run(fresh_copy(tmp, "clean"))
    if code != 0:
        failures.append(f"the unchanged tree fails the check:\n{out}")

    crossings = [
        ("cluster/cluster_presence.hpp", "chat/service.hpp"),  # cluster implements no chat interface
        ("storage/migrations.hpp", "app/openapi.hpp"),  # storage owns its migrations
        ("blob/local_store.cpp", "http/router.hpp"),  # blob knows no HTTP
        ("chat/service.cpp", "blob/blob_store.hpp"),  # chat sees no store internals
        ("core/text.hpp", "http/message.hpp"),  # core is below everything
        ("realtime/engineio/session.cpp", "realtime/socketio/socket.hpp"),  # an arrow up
    ]
    for i, (file, include) in enumerate(crossings):
        tree = fresh_copy(tmp, f"crossed{i}")
        where = inject(tree, file, include)
        code, out = run(tree)
        if code == 0 or where not in out or include not in out:
            failures.append(f"{file} including {include}: exit {code}, output:\n{out}")

    # An allowed arrow still passes when used: chat may include storage.
    tree = fresh_copy(tmp, "allowed")
    inject(tree, "chat/service.cpp", "storage/models.hpp")
    code, out = run(tree)
    if code != 0:
        failures.append(f"an allowed include fails the check:\n{out}")

    # A folder no row covers, and a table row that points down the table (a possible cycle).
    tree = fresh_copy(tmp, "unlisted")
    (tree / "src" / "newmodule").mkdir()
    (tree / "src" / "newmodule" / "x.cpp").write_text("int x;\n")
    code, out = run(tree)
    if code == 0 or "src/newmodule/x.cpp: in no module" not in out:
        failures.append(f"an unlisted folder passes: exit {code}, output:\n{out}")
    tree = fresh_copy(tmp, "cycle")
    doc = tree / "docs" / "architecture.md"
    doc.write_text(doc.read_text().replace("| core | |", "| core | chat |", 1))
    code, out = run(tree)
    if code == 0 or "core may include chat, listed at or below it" not in out:
        failures.append(f"a cyclic table passes: exit {code}, output:\n{out}")

for f in failures:
    print("FAIL:", f)
print(f"include check test: {len(failures)} failure(s)")
sys.exit(1 if failures else 0)
