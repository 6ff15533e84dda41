# Sourced by the scripts that run mammo on a GPU host with PyTorch preinstalled
# (scripts/gpu-check.sh, scripts/bench/synth_calibration_variants.sh): sets PY to a Python that
# imports torch (PYTHON, /opt/torch/.venv/bin/python or python3) and puts that torch's libtorch
# on LD_LIBRARY_PATH for the mammo binaries built elsewhere.
PY="${PYTHON:-}"
for c in "$PY" /opt/torch/.venv/bin/python python3; do
  [ -n "$c" ] && "$c" -c "import torch" 2>/dev/null && { PY="$c"; break; }
done
TORCH_LIB="$("$PY" -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')"
export LD_LIBRARY_PATH="$TORCH_LIB:${LD_LIBRARY_PATH:-}"
