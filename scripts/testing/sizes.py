"""Size and shape limits on Remit's Swift sources (scripts/check-sizes, issue #23). Lists every
offender, one a line as `path:line: what`, and exits 1 if there is any:

  - a Swift file over 500 lines;
  - a function, initialiser, deinitialiser or subscript over 60 lines (from the line of its
    keyword to the line of its closing brace; braces in comments, string literals, multi-line and
    raw string literals and their interpolations do not count);
  - a file with more than one top-level type (struct, class, enum, actor, protocol) that is not
    `private` or `fileprivate` (nested types are fine);
  - a file whose one such type is not the file's name (a file of extensions only, such as
    `Type+Thing.swift`, or of free functions, holds no type and is fine).

Allowances, for declarative code (migrations, tables) only: scripts/testing/sizes-allowed.txt,
one `path:function-name  # reason` a line, lets that function be longer. An entry that names no
function, or one within the limit, is itself an offender, so the list stays as short as it can be.

  sizes.py [--summary] [PATH ...]     PATHs (default Sources), relative to the repository's root

--summary prints the count of each kind of offender instead of the list (the exit status is the
same)."""
import argparse
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
ALLOWED = os.path.join("scripts", "testing", "sizes-allowed.txt")
# Offenders known and not yet split: a ratchet. Listed ones are shown but do not fail the check; a
# new offender fails it, and so does an entry that no longer offends (remove it: the list only
# shrinks). One `path:kind[:function]` a line, kind being file, function, types or name.
TODO = os.path.join("scripts", "testing", "sizes-todo.txt")
FILE_MAX = 500
FUNCTION_MAX = 60

MODIFIERS = (r"(?:(?:public|private|fileprivate|internal|package|open|static|class|final|override|mutating|nonmutating|"
             r"nonisolated|convenience|required|dynamic|optional|indirect|distributed|consuming|borrowing|__consuming)"
             r"(?:\([^)]*\))?\s+)*")
ATTRIBUTES = r"(?:@[\w.]+(?:\([^)]*\))?\s+)*"
FUNCTION = re.compile(r"^\s*" + ATTRIBUTES + MODIFIERS + r"(?:func\s+([^\s(<]+)|(init)[?!]?\s*(?=[(<])|(deinit)\b|(subscript)\s*(?=[(<]))")
TYPE = re.compile(r"^\s*" + ATTRIBUTES + r"(" + MODIFIERS + r")(struct|class|enum|actor|protocol)\s+(\w+)")
# What may start the next line of a declaration whose body has not begun (a signature over lines).
CONTINUES = re.compile(r"^\s*(?:\{|->|throws\b|rethrows\b|async\b|where\b|[,&:.)])")
CONTINUED = re.compile(r"(?:,|&|->|:|\bwhere)\s*$")


def blank(text):
    """`text` with every comment and string literal (with its interpolations) turned into spaces;
    line breaks stay, so line numbers and columns are those of `text`."""
    out = list(text)
    i, n = 0, len(text)

    def erase(start, end):
        for k in range(start, min(end, n)):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        end = skip_trivia_or_string(text, i)
        if end is None:
            i += 1
        else:
            erase(i, end)
            i = end
    return "".join(out)


def skip_trivia_or_string(text, i):
    """If a comment or a string literal starts at `i`, the index just after it; else None."""
    if text.startswith("//", i):
        end = text.find("\n", i)
        return len(text) if end < 0 else end
    if text.startswith("/*", i):
        return skip_block_comment(text, i)
    if text[i] == '"' or (text[i] == "#" and re.match(r'#+"', text[i:i + 8])):
        return skip_string(text, i)
    return None


def skip_block_comment(text, i):
    """Swift's block comments nest."""
    depth, i, n = 0, i, len(text)
    while i < n:
        if text.startswith("/*", i):
            depth, i = depth + 1, i + 2
        elif text.startswith("*/", i):
            depth, i = depth - 1, i + 2
            if depth == 0:
                return i
        else:
            i += 1
    return n


def skip_string(text, i):
    """A string literal at `i`: "…", \"\"\"…\"\"\", or raw with #s; `\\(…)` interpolations (`\\#(…)`
    in a raw one) may hold code with strings of their own. Returns the index just after it."""
    n = len(text)
    hashes = 0
    while text[i + hashes] == "#":
        hashes += 1
    i += hashes
    multi = text.startswith('"""', i)
    i += 3 if multi else 1
    close = ('"""' if multi else '"') + "#" * hashes
    escape = "\\" + "#" * hashes
    while i < n:
        if text.startswith(escape, i):
            i += len(escape)
            if i < n and text[i] == "(":
                i = skip_interpolation(text, i + 1)
            else:
                i += 1
        elif text.startswith(close, i):
            return i + len(close)
        elif text[i] == "\n" and not multi:
            return i  # an unterminated literal ends with its line
        else:
            i += 1
    return n


def skip_interpolation(text, i):
    """Code up to the `)` closing an interpolation, at `i` just after its `(`."""
    depth, n = 0, len(text)
    while i < n:
        end = skip_trivia_or_string(text, i)
        if end is not None:
            i = end
            continue
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            if depth == 0:
                return i + 1
            depth -= 1
        i += 1
    return n


def body_end(code, start):
    """From `start` (just after a declaration's keyword and name) in blanked `code`: the index of
    the brace closing its body, or None when it has none (a protocol's requirement)."""
    depth, i, n = 0, start, len(code)
    while i < n:
        c = code[i]
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == "}" and depth == 0:
            return None
        elif c == "{" and depth == 0:
            return matching_brace(code, i)
        elif c == "\n" and depth == 0:
            line_start = code.rfind("\n", 0, i) + 1
            following = code[i + 1:].lstrip("\n")
            next_line = following.split("\n", 1)[0]
            if not (CONTINUED.search(code[line_start:i]) or CONTINUES.match(next_line)):
                return None
        i += 1
    return None


def matching_brace(code, i):
    depth = 0
    for k in range(i, len(code)):
        if code[k] == "{":
            depth += 1
        elif code[k] == "}":
            depth -= 1
            if depth == 0:
                return k
    return len(code) - 1


def check_file(path, text, allowed, used):
    """The offenders in one file: (path, line, kind, what)."""
    found = []
    lines = text.splitlines()
    if len(lines) > FILE_MAX:
        found.append((path, 1, "file", f"{len(lines)} lines (max {FILE_MAX})"))
    code = blank(text)
    starts = [0]
    for index, char in enumerate(code):
        if char == "\n":
            starts.append(index + 1)
    depth, types = 0, []
    for number, start in enumerate(starts, 1):
        line = code[start:starts[number]] if number < len(starts) else code[start:]
        if depth == 0:
            match = TYPE.match(line)
            if match and not re.search(r"\b(?:private|fileprivate)\s", match.group(1)):
                types.append((number, match.group(3)))
        match = FUNCTION.match(line)
        if match:
            name = next(group for group in match.groups() if group)
            end = body_end(code, start + match.end())
            if end is not None:
                length = code.count("\n", start, end) + 1
                key = f"{path}:{name}"
                if key in allowed:
                    used[key] = max(used.get(key, 0), length)
                elif length > FUNCTION_MAX:
                    found.append((path, number, "function", f"{name} has {length} lines (max {FUNCTION_MAX})"))
        depth += line.count("{") - line.count("}")
    stem = os.path.basename(path)[:-len(".swift")]
    if len(types) > 1:
        names = ", ".join(name for _, name in types)
        found.append((path, types[1][0], "types", f"{len(types)} top-level types that are not private ({names}; one a file)"))
    elif len(types) == 1 and types[0][1] != stem:
        found.append((path, types[0][0], "name", f"type {types[0][1]} is not the file's name ({stem})"))
    return found


def read_allowed(name=ALLOWED):
    """{entry: line number in the list}."""
    allowed = {}
    try:
        with open(os.path.join(ROOT, name)) as file:
            for number, line in enumerate(file, 1):
                entry = line.split("#", 1)[0].strip()
                if entry:
                    allowed[entry] = number
    except FileNotFoundError:
        pass
    return allowed


def swift_files(paths):
    for top in paths:
        if os.path.isfile(top):
            yield top
        for folder, subfolders, names in os.walk(top):
            subfolders.sort()
            for name in sorted(names):
                if name.endswith(".swift"):
                    yield os.path.join(folder, name)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--summary", action="store_true", help="the count of each kind of offender, not the list")
    parser.add_argument("paths", nargs="*", default=["Sources"])
    args = parser.parse_args()
    os.chdir(ROOT)
    allowed, used, found, checked = read_allowed(), {}, [], set()
    for path in swift_files(args.paths):
        checked.add(os.path.relpath(path))
        with open(path, encoding="utf-8", errors="replace") as file:
            found += check_file(os.path.relpath(path), file.read(), allowed, used)
    for entry, number in allowed.items():
        if entry.rsplit(":", 1)[0] not in checked:
            continue  # a file not checked this time
        if entry not in used:
            found.append((ALLOWED, number, "allowance", f"{entry} names no function with a body"))
        elif used[entry] <= FUNCTION_MAX:
            found.append((ALLOWED, number, "allowance", f"{entry} has {used[entry]} lines, within the limit: remove the entry"))
    todo = read_allowed(TODO)
    pending = []
    for offender in list(found):
        path, _, kind, what = offender
        key = f"{path}:{kind}" + (f":{what.split(' ', 1)[0]}" if kind == "function" else "")
        if key in todo:
            found.remove(offender)
            pending.append(offender)
            todo[key] = None
    for entry, number in todo.items():
        if number is not None and entry.split(":", 1)[0] in checked:
            found.append((TODO, number, "allowance", f"{entry} no longer offends: remove the entry"))
    found.sort()
    if pending and not args.summary:
        for path, line, _, what in sorted(pending):
            print(f"{path}:{line}: {what} (known, in {TODO})", file=sys.stderr)
    if args.summary:
        print(f"{len(pending):5d}  known offenders still to split ({TODO})")
        kinds = {"file": f"files over {FILE_MAX} lines", "function": f"functions over {FUNCTION_MAX} lines",
                 "types": "files with more than one top-level type", "name": "files not named after their type",
                 "allowance": "allow-list entries not needed"}
        for kind, label in kinds.items():
            print(f"{sum(1 for offender in found if offender[2] == kind):5d}  {label}")
        print(f"{len(found):5d}  in all")
    else:
        for path, line, _, what in found:
            print(f"{path}:{line}: {what}")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
