#!/usr/bin/env bash
# Builds the PyTorch side of the side-by-side benchmark: a venv with torch
# and numpy from PyPI (CPU kernels are used; CUDA libraries are not needed).
# Not part of CI. Usage: bash bench/setup.sh [VENV_DIR]
set -euo pipefail
venv="${1:-$HOME/.cache/iconc-bench-venv}"
python3 -m venv "$venv"
"$venv/bin/pip" install -q torch numpy
"$venv/bin/python" -c 'import torch; print("torch", torch.__version__)'
