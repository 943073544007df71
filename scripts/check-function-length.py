#!/usr/bin/env python3
"""Fails when a function in src/ is longer than the limit (60 lines, signature to closing brace).

Usage: scripts/check-function-length.py [--root DIR] [--limit N] [--list]
  DIR holds src/; --list prints every function over the limit, allowed or not, and passes.

A function that is a table (a list of cases, fields or routes that reads best in one piece)
may be longer when the line before its first line, or its first line, carries the comment
`// function-length: table`.

The scan fits the repository's clang-format style (Google based): comments, string and character
literals are blanked out, braces are matched, and a `{` that ends a line opens a function body
when it is at namespace or class scope and follows a declarator (a parenthesised parameter list,
then qualifiers, a trailing return type or a constructor's initialiser list). Lambdas and local
classes count towards the function they are in. A function written on one line is short.
"""
import argparse
import pathlib
import re
import sys

LIMIT = 60
MARKER = "function-length: table"
SOURCES = (".cpp", ".hpp", ".h", ".cc")
TYPE_SCOPE = re.compile(r"\b(namespace|class|struct|union|enum)\b|\bextern\s*\"\"")
CONTROL = re.compile(r"^(if|for|while|switch|catch|do|else|try)\b")
ACCESS = re.compile(r"^(public|private|protected)\s*:(?!:)\s*")
INIT_LIST = re.compile(r"(?<!:):(?!:)")  # a lone colon after the parameters


def blank(text):
    """The text with comments and literals replaced by spaces (newlines kept), and the lines
    that carry the allow-list marker."""
    out = []
    marked = set()
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            out.append(c)
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            if MARKER in text[i:end]:
                marked.add(line)
            out.append(" " * (end - i))
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            chunk = text[i:end]
            line += chunk.count("\n")
            out.append(re.sub(r"[^\n]", " ", chunk))
            i = end
        elif c == "R" and text.startswith('"', i + 1) and not (i and (text[i - 1].isalnum()
                                                                      or text[i - 1] == "_")):
            open_paren = text.find("(", i + 2)
            delim = text[i + 2:open_paren]
            end = text.find(")" + delim + '"', open_paren)
            end = n if end < 0 else end + len(delim) + 2
            chunk = text[i:end]
            line += chunk.count("\n")
            out.append('""' + re.sub(r"[^\n]", " ", chunk[2:]))
            i = end
        elif c == '"' or (c == "'" and not (i and text[i - 1].isalnum())):  # not 1'000'000
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (min(j, n) - i - 1) + (c if j < n else ""))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out), marked


def statement_start(code, start, end):
    """Offset of the first non-space character of code[start:end] after an access label."""
    rest = code[start:end]
    stripped = rest.lstrip()
    offset = start + len(rest) - len(stripped)
    label = ACCESS.match(stripped)
    if label:
        return statement_start(code, offset + label.end(), end)
    return offset


def without_template_head(text):
    """text without a leading `template <...>` (whose `class` names no class scope)."""
    text = " ".join(text.split())
    while text.startswith("template"):
        start = text.find("<")
        if start < 0:
            return text
        depth = 0
        for j in range(start, len(text)):
            depth += {"<": 1, ">": -1}.get(text[j], 0)
            if depth == 0:
                text = text[j + 1:].lstrip()
                break
        else:
            return text
    return text


def is_type_scope(prefix):
    return bool(TYPE_SCOPE.search(without_template_head(prefix).split("(")[0]))


def opens_function(prefix):
    """Whether a statement prefix that ends in `{` (at namespace or class scope) is a function
    declarator, rather than a type, a control statement or an initialiser (of a variable, or of
    a member in a constructor's initialiser list: `X::X() : a_{1}`)."""
    text = without_template_head(prefix)
    if not text or is_type_scope(text) or CONTROL.match(text):
        return False
    if text.endswith(("=", ",", "(", "[", "return")):
        return False
    depth = 0
    params_end = None
    for j, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0 and params_end is None:
                params_end = j
    if params_end is None or depth != 0:
        return False
    in_init_list = INIT_LIST.search(text[params_end + 1:]) is not None
    return not in_init_list or text.endswith((")", "}"))


def functions(code):
    """(first line, last line, signature) of each multi-line function body in blanked code."""
    found = []
    # Each entry: (kind, where the function's statement starts or None, whether the statement
    # ends with the brace). kind is "scope" (file, namespace, class) or "body" (a function, an
    # initialiser, or anything inside them).
    stack = [("scope", None, True)]
    stmt = 0  # where the current statement started, at scope level
    for i, ch in enumerate(code):
        kind = stack[-1][0]
        if ch == "{":
            if kind == "body":
                stack.append(("body", None, False))
                continue
            first = statement_start(code, stmt, i)
            prefix = code[first:i]
            end_of_line = code.find("\n", i)
            rest_of_line = code[i + 1:end_of_line if end_of_line >= 0 else len(code)]
            if opens_function(prefix):
                # A body on one line is short: only one that starts a line is measured.
                stack.append(("body", first if rest_of_line.strip() == "" else None, True))
            elif is_type_scope(prefix) or prefix.strip() == "":
                stack.append(("scope", None, True))
                stmt = i + 1
            else:
                stack.append(("body", None, False))  # a brace initialiser: part of a statement
        elif ch == "}":
            if len(stack) == 1:
                continue  # unbalanced (macro trickery): ignore
            _, first, ends_statement = stack.pop()
            if first is not None:
                found.append((code.count("\n", 0, first) + 1, code.count("\n", 0, i) + 1,
                              code[first:code.find("{", first)]))
            if stack[-1][0] == "scope" and ends_statement:
                stmt = i + 1
        elif ch == ";" and kind == "scope":
            stmt = i + 1
        elif ch == "\n" and kind == "scope" and code[stmt:i].lstrip().startswith("#"):
            stmt = i + 1  # a preprocessor line ends at its newline
    return found


def name_of(signature):
    head = " ".join(signature.split()).split("(")[0]
    return head.split()[-1] if head.split() else "?"


def scan(root, limit):
    """(path, first line, length, name, allowed) of every function over the limit."""
    long = []
    src = root / "src"
    for file in sorted(p for p in src.rglob("*") if p.suffix in SOURCES and p.is_file()):
        code, marked = blank(file.read_text(encoding="utf-8"))
        for first, last, signature in functions(code):
            length = last - first + 1
            if length > limit:
                allowed = first in marked or first - 1 in marked
                rel = file.relative_to(root).as_posix()
                long.append((rel, first, length, name_of(signature), allowed))
    return long


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=pathlib.Path,
                        default=pathlib.Path(__file__).resolve().parent.parent)
    parser.add_argument("--limit", type=int, default=LIMIT)
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    long = scan(args.root, args.limit)
    problems = [f for f in long if not f[4]]
    for path, line, length, name, allowed in long:
        if allowed and not args.list:
            continue
        note = " (a table)" if allowed else ""
        print(f"{path}:{line}: {name} is {length} lines (limit {args.limit}){note}")
    if problems and not args.list:
        print(f"function length: {len(problems)} function(s) over {args.limit} lines; split them, "
              f"or mark a table with `// {MARKER}`")
        return 1
    print(f"function length: no function in src/ over {args.limit} lines but tables")
    return 0


if __name__ == "__main__":
    sys.exit(main())
