#!/usr/bin/env python3
"""Fails when a crate declares a dependency its code never names.

The same check as cargo-machete (a crate is used when its name, with `-`
as `_`, appears as a path in the sources), without installing anything.

Usage: scripts/unused-deps.py services/camera-api
"""

import re
import sys
import tomllib
from pathlib import Path


def main() -> int:
    crate = Path(sys.argv[1] if len(sys.argv) > 1 else "services/camera-api")
    manifest = tomllib.loads((crate / "Cargo.toml").read_text())
    sources = {
        "dependencies": ["src", "build.rs"],
        "dev-dependencies": ["src", "tests", "benches"],
        "build-dependencies": ["build.rs"],
    }
    unused = []
    for table, places in sources.items():
        text = ""
        for place in places:
            path = crate / place
            files = path.rglob("*.rs") if path.is_dir() else [path] if path.exists() else []
            text += "".join(file.read_text() for file in files)
        for name, spec in manifest.get(table, {}).items():
            package = spec.get("package", name) if isinstance(spec, dict) else name
            ident = name.replace("-", "_")
            if not re.search(rf"\b{re.escape(ident)}(::|!|\s+as\b)", text):
                unused.append(f"{table}: {name}" + (f" ({package})" if package != name else ""))
    for entry in unused:
        print(f"unused {entry}")
    return 1 if unused else 0


if __name__ == "__main__":
    sys.exit(main())
