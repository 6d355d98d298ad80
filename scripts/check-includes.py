#!/usr/bin/env python3
"""scripts/check-includes.py — the architecture's arrows, checked on every quoted #include.

Each source file belongs to a room (core/<room>, calibration, workloads/<plugin>, analysis, cli,
...); each room may include only the rooms listed in ALLOWED (docs/architecture.md draws them).
Exits 1 and names every forbidden edge (file:line, the include, the rule); 0 when none.
Usage: check-includes.py [--root DIR]   (DIR defaults to the source tree this script is in)
"""
import argparse
import pathlib
import re
import sys

CORE = ["base", "plugin", "platforms", "model", "experiment", "results", "run"]
SHARED_PLUGIN_PARTS = ["nn", "text"]  # shared by plugins; never registered themselves

# room -> rooms it may include (itself always allowed)
ALLOWED = {
    "core/base": [],
    "core/plugin": ["core/base"],
    "core/platforms": ["core/base"],
    "core/model": ["core/base", "core/plugin", "core/platforms"],
    "core/experiment": ["core/base", "core/plugin"],
    "core/results": ["core/base", "core/plugin", "core/platforms", "core/model", "core/experiment"],
    "core/run": ["core/base", "core/plugin", "core/platforms", "core/model", "core/experiment",
                 "core/results"],
    "calibration": ["core/base", "core/plugin", "core/platforms"],
    "analysis": ["core/" + r for r in CORE],
    # Plugins: the plugin API and the model (a workload may cost itself with it), the shared parts.
    "workloads/*": ["core/base", "core/plugin", "core/platforms", "core/model"] +
                   ["workloads/" + p for p in SHARED_PLUGIN_PARTS],
    "workloads/nn": ["core/base", "core/plugin", "workloads/text"],
    "workloads/text": ["core/base", "core/plugin"],
    "workloads": ["core/base", "core/plugin"],  # workloads/register_all.hpp
    # Front ends and checks may use everything; the engine's own tests only the engine.
    "cli": None, "tests": None, "bench": None, "examples": ["core/base", "core/plugin"],
    "tests/core": ["core/" + r for r in CORE] + ["tests"],
}
SOURCE_SUFFIXES = {".hpp", ".cpp", ".inc", ".h", ".cc"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def room_of(rel: pathlib.PurePosixPath):
    parts = rel.parts
    if not parts:
        return None
    top = parts[0]
    if top == "core":
        return "core/" + parts[1] if len(parts) > 2 else "core"
    if top == "workloads":
        if len(parts) == 2:
            return "workloads"
        return "workloads/" + parts[1]
    if top == "tests" and len(parts) > 2 and parts[1] == "core":
        return "tests/core"
    return top if top in ALLOWED else None


def allowed(src_room: str, dst_room: str) -> bool:
    if dst_room is None or src_room == dst_room:
        return True
    key = src_room
    if src_room.startswith("workloads/") and src_room not in ALLOWED:
        key = "workloads/*"
    rule = ALLOWED.get(key, [])
    if rule is None:
        return True
    return dst_room in rule


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=str(pathlib.Path(__file__).resolve().parent.parent))
    root = pathlib.Path(ap.parse_args().root)
    bad = []
    files = 0
    for top in ["core", "calibration", "workloads", "analysis", "cli", "examples", "bench", "tests"]:
        for path in sorted((root / top).rglob("*")):
            if path.suffix not in SOURCE_SUFFIXES or not path.is_file():
                continue
            rel = pathlib.PurePosixPath(path.relative_to(root).as_posix())
            src = room_of(rel)
            if src is None:
                continue
            files += 1
            for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = pathlib.PurePosixPath(m.group(1))
                dst = room_of(target)
                if dst is not None and not allowed(src, dst):
                    bad.append(f"{rel}:{n}: includes \"{target}\": {src} may not depend on {dst}")
    for b in bad:
        print("error: " + b)
    if bad:
        print(f"{len(bad)} forbidden include edge(s); the allowed arrows are in docs/architecture.md")
        return 1
    print(f"include check: {files} files, every edge allowed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
