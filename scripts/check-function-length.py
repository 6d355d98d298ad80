#!/usr/bin/env python3
"""scripts/check-function-length.py — no function in core/ longer than a page.

Finds every function body in the C++ sources under the given folders with a small brace matcher
(comments, string and character literals and preprocessor lines blanked first) and exits 1 naming
each function longer than --max lines (file:line, name, length); 0 when none is.
A function's length runs from the first line of its declaration to its closing brace; lambdas and
local classes count towards the function they are in. Namespaces, classes, structs and unions are
scopes whose member functions are measured one by one; enum bodies and brace initialisers are not
functions. It is a matcher, not a C++ parser: it reads the code style of this tree (docs/style.md).
A function that is being rewritten elsewhere may be listed, with the reason, in the allow file
(`FILE FUNCTION  # reason`); an entry whose function is no longer too long is an error too, so the
list only shrinks.
Usage: check-function-length.py [--root DIR] [--max N] [--allow FILE] [FOLDER ...]
       (defaults: core, N = 100, scripts/function-length-allow.txt under DIR when present)
"""
import argparse
import pathlib
import re
import sys

SOURCE_SUFFIXES = {".hpp", ".cpp", ".inc", ".h", ".cc"}
SCOPE_HEAD = re.compile(r"\b(namespace|class|struct|union)\b|\bextern\s*\"\"")
ENUM_HEAD = re.compile(r"\benum\b")
OPERATOR = re.compile(r"\boperator\s*(\(\)|[^\s(]+)")


def blank(text):
    """The text with comments, literals and preprocessor lines replaced by spaces (newlines kept)."""
    out = list(text)
    i, n = 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if line_start and c == "#":
            # A preprocessor line, with its continuations.
            j = i
            while j < n and (text[j] != "\n" or text[j - 1] == "\\"):
                j += 1
            for k in range(i, j):
                if out[k] != "\n":
                    out[k] = " "
            i = j
            continue
        if c == "\n":
            line_start = True
            i += 1
            continue
        if not c.isspace():
            line_start = False
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out[i:j] = " " * (j - i)
            i = j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            for k in range(i, j):
                if out[k] != "\n":
                    out[k] = " "
            i = j
            continue
        raw = re.match(r'R"([^(\s]*)\(', text[i:i + 20])
        if raw and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            end = text.find(")" + raw.group(1) + '"', i)
            j = n if end < 0 else end + len(raw.group(1)) + 2
            for k in range(i + 1, j - 1):
                if out[k] != "\n":
                    out[k] = " "
            i = j
            continue
        if c in "\"'":
            if c == "'" and i > 0 and (text[i - 1].isalnum()):  # digit separator: 1'000
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            for k in range(i + 1, min(j, n)):
                out[k] = " "
            i = j + 1
            continue
        i += 1
    return "".join(out)


def top_level(head, chars):
    """Whether any of `chars` occurs in `head` outside parentheses, brackets and angle brackets."""
    depth = 0
    for c in head:
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif depth == 0 and c in chars:
            return True
    return False


def function_name(head):
    """The declared name in a function head such as `static int ns::f(int x) const`."""
    depth, k = 0, len(head) - 1
    # The parameter list: the last top-level parenthesised group before any trailing ':' list.
    colon = init_list_colon(head)
    if colon >= 0:
        head = head[:colon]
        k = len(head) - 1
    while k >= 0:
        if head[k] == ")":
            if depth == 0:
                close = k
            depth += 1
        elif head[k] == "(":
            depth -= 1
            if depth == 0:
                open_ = k
                before = head[:open_].rstrip()
                if not before.endswith(("noexcept", "decltype", "throw")):
                    m = re.search(r"(operator\s*(?:\(\)|[^\s(]+)|[~\w:]+(?:<[^()]*>)?)$", before)
                    return " ".join(m.group(1).split()) if m else (before.split() or ["?"])[-1]
        k -= 1
    return head.split()[-1] if head.split() else "?"


def init_list_colon(head):
    """Index of a constructor's ':' (after the parameter list, not '::'), else -1."""
    depth = 0
    seen_params = False
    for i, c in enumerate(head):
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                seen_params = True
        elif c == ":" and depth == 0 and seen_params:
            prev = head[i - 1] if i else ""
            nxt = head[i + 1] if i + 1 < len(head) else ""
            if prev != ":" and nxt != ":":
                return i
    return -1


def functions(text):
    """(name, first line, last line) of every function body in blanked `text`."""
    found = []
    i, n = 0, len(text)
    head_start = 0

    def line_of(pos):
        return text.count("\n", 0, pos) + 1

    def match_brace(pos):
        depth = 0
        for j in range(pos, n):
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
                if depth == 0:
                    return j
        return n - 1

    while i < n:
        c = text[i]
        if c in ";}":
            head_start = i + 1
            i += 1
            continue
        if c != "{":
            i += 1
            continue
        head = text[head_start:i]
        flat = " ".join(head.split())
        if flat.count("(") > flat.count(")") or flat.count("[") > flat.count("]"):
            i = match_brace(i) + 1  # a braced expression inside a parameter list: `x = {}`
            continue
        if SCOPE_HEAD.search(flat) and not top_level(OPERATOR.sub("op", flat), "(="):
            head_start = i + 1  # a scope: look inside it
            i += 1
            continue
        is_function = (not ENUM_HEAD.search(flat) and "(" in flat and
                       not top_level(OPERATOR.sub("op", flat), "="))
        if is_function and init_list_colon(flat) >= 0:
            # A constructor's member initialisers `m_v{...}` come before its body.
            prev = text[:i].rstrip()[-1:]
            if prev and (prev.isalnum() or prev in "_>"):
                i = match_brace(i) + 1
                continue
        end = match_brace(i)
        if is_function:
            start = head_start + (len(head) - len(head.lstrip()))
            found.append((function_name(flat), line_of(start), line_of(end)))
        head_start = end + 1
        i = end + 1
        # `} name = ...;` or `} x;` after a brace initialiser: the head goes on to the ';'.
    return found


def read_allow(path):
    """{(file, function): line number} from the allow file; every entry needs a reason."""
    allowed = {}
    if not path or not path.is_file():
        return allowed
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        entry, _, reason = line.partition("#")
        if not entry.strip():
            continue
        parts = entry.split()
        if len(parts) != 2 or not reason.strip():
            sys.exit(f"error: {path}:{n}: expected 'FILE FUNCTION  # reason'")
        allowed[(parts[0], parts[1])] = n
    return allowed


def main():
    here = pathlib.Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=str(here))
    ap.add_argument("--max", type=int, default=100)
    ap.add_argument("--allow", help="allow file (default: scripts/function-length-allow.txt under the root)")
    ap.add_argument("--list", action="store_true", help="print every function with its length")
    ap.add_argument("folders", nargs="*", default=["core"])
    args = ap.parse_args()
    root = pathlib.Path(args.root)
    allow_path = pathlib.Path(args.allow) if args.allow else root / "scripts" / "function-length-allow.txt"
    allowed = read_allow(allow_path)
    errors, excused, count = [], set(), 0
    for folder in args.folders:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in SOURCE_SUFFIXES or not path.is_file():
                continue
            text = blank(path.read_text(encoding="utf-8", errors="replace"))
            rel = path.relative_to(root).as_posix()
            for name, first, last in functions(text):
                count += 1
                length = last - first + 1
                if args.list:
                    print(f"{length:5d} {rel}:{first}: {name}")
                if length <= args.max:
                    continue
                if (rel, name) in allowed:
                    excused.add((rel, name))
                    print(f"allowed: {rel}:{first}: {name} is {length} lines ({allow_path.name})")
                else:
                    errors.append(f"{rel}:{first}: {name} is {length} lines (at most {args.max})")
    for (rel, name), n in sorted(allowed.items(), key=lambda kv: kv[1]):
        if (rel, name) not in excused:
            errors.append(f"{allow_path}:{n}: {rel} {name} is not over {args.max} lines (any more): "
                          "remove the entry")
    for m in errors:
        print("error: " + m)
    if errors:
        print(f"hint: split each long function into named steps ({count} functions checked)")
        return 1
    print(f"ok: {count} functions in {', '.join(args.folders)}, none over {args.max} lines"
          + (f" but the {len(excused)} allowed" if excused else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
