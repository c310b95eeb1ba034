#!/bin/sh
# Installs ocrmypdf from PyPI into a virtual environment below target/ (never
# into the system) and runs the chain bench with it:
#   sh benches/ocrmypdf-venv.sh            (cargo bench --bench chain)
# Needs python3 with venv; ocrmypdf uses the system's tesseract.
set -eu
cd "$(dirname "$0")/.."
venv=target/ocrmypdf-venv
if [ ! -x "$venv/bin/ocrmypdf" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "ocrmypdf==17.13.0"
fi
"$venv/bin/ocrmypdf" --version
SCANSTELLE_BENCH_OCRMYPDF="$PWD/$venv/bin/ocrmypdf" exec cargo bench --bench chain "$@"
