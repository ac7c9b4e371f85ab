#!/usr/bin/env python3
"""docs/openapi/customer-svc.yaml checked as a tool would read it, for customer_auth.sh and
customer_feed.sh.

  customer_openapi.py check SPEC
      The document is valid OpenAPI 3.0 (openapi-spec-validator, when installed); every
      `pattern` compiles in Python's re and, when node is there, as an ECMA-262 RegExp with the
      u flag; and over a battery of awkward strings (controls, blanks, a final newline, astral
      characters) both engines give every pattern the same answer, so the document means the
      same to a validator in either language. Prints "ok" or fails naming the pattern.
  customer_openapi.py valid SPEC PATH
      Reads one JSON value a line on stdin and prints "valid" or "invalid" for each against the
      schema at PATH (dot-separated keys into the document, e.g.
      components.schemas.ProfilePatch, or paths./v1/feed.get.parameters.3.schema), with its
      $refs resolved, as JSON Schema draft 4 (what OpenAPI 3.0 schemas are based on).
"""
import json
import re
import shutil
import subprocess
import sys

import jsonschema
import yaml

BATTERY = [
    "", "a", "Ada Lovelace", " Ada ", "x\n", "x\ny", "\n", "tab\there", "a\u0000b", "a\u0007",
    "a\u001fb", "a\u007fb", "a\u0080b", "a\u0085b", "a\u009fb", "\u00a0", " \u3000 ", "\u2028",
    "\u2029", "\ufeff", "\u200b", "\u180e", "Zo\u00eb", "\u540d\u524d", "\U0001f355",
    "N1 9GU", "-", "   ", "AB1 2CD\n", "+447700900123", "+447700900123\n", "+4407700900123",
    "123456", "123456\n", "M" + "A" * 50, "0" * 127, "M" * 81, "garbage",
]


def walk(node, path=""):
    """Yields (path, pattern) for every pattern in the document."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "pattern" and isinstance(v, str):
                yield path, v
            else:
                yield from walk(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, f"{path}.{i}")


def ecma(patterns, strings):
    """[[bool]]: RegExp(p, 'u').test(s) for each pattern and string, or None without node."""
    node = shutil.which("node") or shutil.which("nodejs")
    if not node:
        return None
    script = (
        "const d = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(d.p.map(p => { const r = new RegExp(p, 'u');"
        " return d.s.map(s => r.test(s)); })));"
    )
    out = subprocess.run([node, "-e", script], input=json.dumps({"p": patterns, "s": strings}),
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def check(spec_path):
    doc = yaml.safe_load(open(spec_path, encoding="utf-8"))
    try:
        from openapi_spec_validator import validate
    except ImportError:
        print("skip: openapi-spec-validator is not installed, the document's structure is not "
              "checked", file=sys.stderr)
    else:
        validate(doc)
    found = list(walk(doc))
    if not found:
        sys.exit("no pattern in the document")
    patterns = [p for _, p in found]
    for where, p in found:
        re.compile(p)
    verdicts = ecma(patterns, BATTERY)
    if verdicts is None:
        print("skip: node is not installed, patterns not compared with ECMA-262", file=sys.stderr)
    else:
        for (where, p), row in zip(found, verdicts):
            for s, js in zip(BATTERY, row):
                py = re.search(p, s) is not None
                if py != js:
                    sys.exit(f"{where}: pattern {p!r} on {s!r}: Python {py}, ECMA-262 {js}")
    print("ok")


def resolve(node, doc):
    if isinstance(node, dict):
        if "$ref" in node:
            target = doc
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            return resolve(target, doc)
        return {k: resolve(v, doc) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(v, doc) for v in node]
    return node


def valid(spec_path, path):
    doc = yaml.safe_load(open(spec_path, encoding="utf-8"))
    node = doc
    for part in split_path(path):
        node = node[int(part)] if isinstance(node, list) else node[part]
    schema = resolve(node, doc)
    validator = jsonschema.Draft4Validator(schema)
    for line in sys.stdin:
        if line.strip():
            print("valid" if validator.is_valid(json.loads(line)) else "invalid")


def split_path(path):
    """Dot-separated keys, where a key starting with '/' (a path) runs to the next '.get',
    '.post', ... i.e. keys are split at dots not inside a /v1/... segment."""
    parts, cur = [], ""
    for piece in path.split("."):
        if cur.startswith("/") and not re.fullmatch(r"get|put|post|patch|delete", piece):
            cur += "." + piece
            continue
        if cur:
            parts.append(cur)
        cur = piece
    parts.append(cur)
    return parts


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "check":
        check(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "valid":
        valid(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
