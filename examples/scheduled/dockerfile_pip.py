"""Run the pip steps of examples/scheduled/Dockerfile in a fresh venv (no Docker engine).

CI cannot build the image (no engine, no image registry), so it runs what the image's build
would run: each ``RUN`` segment that calls pip, in Dockerfile order, with the build stage's
``WORKDIR /src`` (the build context) mapped to the repository root, ``/dist`` to a temporary
directory and ``python`` to the venv's interpreter. Then the installed ``ram-audit`` must
run the demo. Usage: ``python examples/scheduled/dockerfile_pip.py VENV_DIR``.
"""

from __future__ import annotations

import glob
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def run_instructions(dockerfile: str) -> list[str]:
    """The ``RUN`` instructions, continuation lines joined, comments dropped."""
    lines = [line for line in dockerfile.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [m.group(1).strip() for m in re.finditer(r"(?m)^RUN\s+(.+)$", joined)]


def pip_commands(dockerfile: str, python: str, dist: str) -> list[list[str]]:
    """Each pip call of the Dockerfile as argv, translated to this machine."""
    commands = []
    for instruction in run_instructions(dockerfile):
        for segment in instruction.split("&&"):
            argv = shlex.split(segment)
            if argv[:3] != ["python", "-m", "pip"]:
                continue
            translated = [python, "-m", "pip"]
            for arg in argv[3:]:
                arg = arg.replace("/dist", dist)
                translated += sorted(glob.glob(arg)) if "*" in arg else [arg]
            commands.append(translated)
    return commands


def main() -> int:
    venv = Path(sys.argv[1])
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    text = (HERE / "Dockerfile").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as dist, tempfile.TemporaryDirectory() as out:
        # Translate lazily: the wheel glob of a later step matches only after the build step.
        count = len(pip_commands(text, python, dist))
        if count < 2:
            print(f"expected a pip wheel and a pip install step, found {count}", file=sys.stderr)
            return 1
        for index in range(count):
            argv = pip_commands(text, python, dist)[index]
            print("+", " ".join(argv), flush=True)
            subprocess.run(argv, cwd=REPO, check=True)
        ram_audit = str(venv / "bin" / "ram-audit")
        subprocess.run([ram_audit, "--version"], check=True)
        subprocess.run([ram_audit, "demo", "--quiet", "--output-dir", out], check=True)
        written = sorted(p.name for p in Path(out).iterdir())
        print(f"ram-audit demo from the Dockerfile's install wrote {', '.join(written)}")
        return 0 if "report.html" in written else 1


if __name__ == "__main__":
    sys.exit(main())
