#!/usr/bin/env python3
"""Fails when top-level modules of a crate depend on each other in a cycle.

A module depends on another when its code names `crate::<other>` (or
`super::<other>` from its top level). Cycles make a module impossible to
read, test or move on its own; `cargo-modules dependencies --acyclic` works
at item level and reports a type and its own methods as a cycle, so this
looks only at `crate::` references between top-level modules.

Usage: scripts/module-cycles.py services/camera-api/src
"""

import re
import sys
from pathlib import Path

PATH = re.compile(r"\b(crate|super)::(?:\{([^}]*)\}|(\w+))")


def top_level_modules(src: Path) -> dict[str, list[Path]]:
    modules: dict[str, list[Path]] = {}
    for path in sorted(src.rglob("*.rs")):
        relative = path.relative_to(src)
        if relative.parts[0] in ("lib.rs", "main.rs"):
            continue
        name = relative.parts[0].removesuffix(".rs")
        modules.setdefault(name, []).append(path)
    return modules


def strip_comments_and_tests(text: str) -> str:
    text = re.sub(r"//[^\n]*", "", text)
    # Unit tests may use anything; they are not part of the module's design.
    cut = text.find("#[cfg(test)]")
    return text if cut < 0 else text[:cut]


def dependencies(modules: dict[str, list[Path]], src: Path) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, paths in modules.items():
        for path in paths:
            text = strip_comments_and_tests(path.read_text())
            depth = len(path.relative_to(src).parts)
            for root, group, single in PATH.findall(text):
                # `super::x` names a top-level module only from the top level.
                if root == "super" and depth > 1:
                    continue
                names = [single] if single else [
                    part.strip().split("::")[0] for part in group.split(",")
                ]
                for other in names:
                    if other in modules and other != name:
                        graph[name].add(other)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def main() -> int:
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "services/camera-api/src")
    graph = dependencies(top_level_modules(src), src)
    found = cycles(graph)
    for component in found:
        members = set(component)
        print(f"cycle between top-level modules: {', '.join(component)}")
        for name in component:
            inside = sorted(graph[name] & members)
            print(f"  {name} -> {', '.join(inside)}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
