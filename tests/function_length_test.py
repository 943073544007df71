#!/usr/bin/env python3
"""Proves scripts/check-function-length.py catches long functions: over a copy of src/ it passes
as is, then fails (naming the file, line, function and length) for each long function planted
on purpose, in the shapes this code base writes them (free functions, members defined out of
line and in a class, templates, constructors with initialiser lists, coroutines, bodies whose
strings and comments hold braces, a function that is mostly a lambda); and it passes a function
of exactly the limit, a marked table, and long brace-initialised data that is no function.

Usage: tests/function_length_test.py <repository root>
"""
import pathlib
import shutil
import subprocess
import sys
import tempfile

root = pathlib.Path(sys.argv[1]).resolve()
script = root / "scripts" / "check-function-length.py"
LIMIT = 60
failures = []


def run(tree):
    r = subprocess.run([sys.executable, str(script), "--root", str(tree)], capture_output=True,
                       text=True)
    return r.returncode, r.stdout + r.stderr


def fresh_copy(tmp, name, only=None):
    """src/ copied into tmp/name, or only the file `only` of it (enough for one planted case)."""
    tree = pathlib.Path(tmp) / name
    if only is None:
        shutil.copytree(root / "src", tree / "src")
    else:
        (tree / "src" / only).parent.mkdir(parents=True)
        shutil.copy(root / "src" / only, tree / "src" / only)
    return tree


def statements(n, indent="  "):
    return "".join(f"{indent}x += {i};\n" for i in range(n))


def plant(tree, rel, text):
    """Appends text to src/rel; returns the 1-based line where it starts."""
    path = tree / "src" / rel
    before = path.read_text()
    if not before.endswith("\n"):
        before += "\n"
    path.write_text(before + text)
    return before.count("\n") + 1


# (name, file, code, expected function name, its first line within code, its length) for
# functions that must be reported; the length counts the first to the last line.
def free_function(n):  # n body lines: n + 4 lines in all
    return "int planted_free(int x) {\n" + statements(n) + "  return x;\n}\n"


long_cases = [
    ("free function", "core/base64.cpp", free_function(LIMIT - 2), "planted_free", 0, LIMIT + 1),
    ("member out of line, signature over two lines", "http/cors.cpp",
     "int PlantedClass::planted_member(int x,\n                                 int y) const {\n" +
     statements(LIMIT) + "  return x + y;\n}\n", "PlantedClass::planted_member", 0, LIMIT + 4),
    ("member defined in its class", "core/iso_time.hpp",
     "namespace planted {\nclass Inline {\n public:\n  int inline_member(int x) {\n" +
     statements(LIMIT, "    ") + "    return x;\n  }\n};\n}  // namespace planted\n",
     "inline_member", 3, LIMIT + 3),
    ("template", "core/text.hpp",
     "namespace planted {\ntemplate <class T, typename U>\nT planted_template(T x, U) {\n" +
     statements(LIMIT) + "  return x;\n}\n}  // namespace planted\n", "planted_template", 1,
     LIMIT + 4),
    ("constructor with an initialiser list", "core/io_pool.cpp",
     "namespace planted {\nstruct Built {\n  Built(int a);\n  int a_;\n  int b_[2];\n};\n"
     "Built::Built(int a)\n    : a_(a),\n      b_{1, 2} {\n  int x = 0;\n" + statements(LIMIT) +
     "}\n}  // namespace planted\n", "Built::Built", 6, LIMIT + 5),
    ("coroutine", "core/base64.cpp",
     "boost::asio::awaitable<int> planted_coroutine() {\n  int x = 0;\n" + statements(LIMIT) +
     "  co_return x;\n}\n", "planted_coroutine", 0, LIMIT + 4),
    ("braces in strings, characters, comments and raw strings", "core/iso_time.cpp",
     "int planted_tricky(int x) {\n  const char* a = \"}}}\";\n  char b = '}';\n"
     "  // } a comment\n  /* } */\n  const char* c = R\"x(}\n}\n)x\";\n" + statements(LIMIT) +
     "  return x;\n}\n", "planted_tricky", 0, LIMIT + 10),
    ("mostly a lambda", "core/base64.cpp",
     "void planted_lambda_holder() {\n  auto f = [](int x) {\n" + statements(LIMIT, "    ") +
     "    return x;\n  };\n  f(1);\n}\n", "planted_lambda_holder", 0, LIMIT + 6),
]

short_cases = [
    ("exactly the limit", "core/base64.cpp", free_function(LIMIT - 4)),
    ("a marked table", "core/base64.cpp",
     "// A table of cases: function-length: table\nint planted_table(int x) {\n" +
     statements(LIMIT + 20) + "  return x;\n}\n"),
    ("long brace-initialised data", "core/base64.cpp",
     "const int kPlantedData[] = {\n" + "".join(f"    {i},\n" for i in range(LIMIT * 2)) +
     "};\nstruct PlantedRow {\n  int a;\n};\nconst PlantedRow kPlantedRows[] = {\n" +
     "".join(f"    {{{i}}},\n" for i in range(LIMIT * 2)) + "};\n"),
    ("many short functions in a row", "core/base64.cpp",
     "".join(f"int planted_short_{i}(int x) {{\n" + statements(10) + "  return x;\n}\n"
             for i in range(12))),
]

with tempfile.TemporaryDirectory() as tmp:
    code, out = run(fresh_copy(tmp, "clean"))
    if code != 0:
        failures.append(f"the unchanged tree fails the check:\n{out}")

    for i, (what, rel, text, name, first, length) in enumerate(long_cases):
        tree = fresh_copy(tmp, f"long{i}", rel)
        at = plant(tree, rel, text)
        want = f"src/{rel}:{at + first}: {name} is {length} lines"
        code, out = run(tree)
        if code == 0 or want not in out:
            failures.append(f"{what}: expected exit 1 and '{want}', got exit {code}:\n{out}")

    for i, (what, rel, text) in enumerate(short_cases):
        tree = fresh_copy(tmp, f"short{i}", rel)
        plant(tree, rel, text)
        code, out = run(tree)
        if code != 0:
            failures.append(f"{what}: reported, exit {code}:\n{out}")

    # The marker must be at the function: one further up allows nothing.
    tree = fresh_copy(tmp, "far_marker", "core/base64.cpp")
    at = plant(tree, "core/base64.cpp",
               "// function-length: table\n\nint planted_unmarked(int x) {\n" +
               statements(LIMIT) + "  return x;\n}\n")
    code, out = run(tree)
    if code == 0 or f"src/core/base64.cpp:{at + 2}: planted_unmarked" not in out:
        failures.append(f"a marker two lines up allowed a long function: exit {code}:\n{out}")

for f in failures:
    print("FAIL:", f)
print(f"function length check test: {len(failures)} failure(s)")
sys.exit(1 if failures else 0)
