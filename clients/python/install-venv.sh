#!/usr/bin/env bash
# Installs the Python client, torch and the test tools into a venv, from PyPI only (.ci/run runs
# this; so can you): clients/python/install-venv.sh [VENV]   (default .cache/python-venv)
#
# torch's Linux wheels on PyPI are CUDA builds: libtorch_cuda.so needs libcudart, cuBLAS, cuDNN,
# NCCL, … at load time (DT_NEEDED), so the nvidia-* wheels come too (about 3 GB to download, 5.4 GB
# installed); the CPU-only wheels are on another index, which these machines cannot reach. uv
# (from PyPI) installs them several times faster than pip: it unpacks in parallel into its cache
# (UV_CACHE_DIR, default .cache/uv beside the venv, on the same file system) and hardlinks the
# files from there, so the two take the disk once. Versions are pinned by constraints.txt.
# Prints how long it took and the disk it uses.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=${1:-.cache/python-venv}
if ! command -v python3 >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null
fi
export UV_CACHE_DIR=${UV_CACHE_DIR:-.cache/uv}
started=$(date +%s)
# A full disk otherwise fails minutes in, inside a CUDA wheel ("No space left on device"):
# check first, unless torch is already there. 7 GB: 5.5 installed and room to unpack the
# largest wheel (cuDNN, about 1 GB) beside it. LYAP_VENV_MIN_FREE_GB changes the bar.
need_gb=${LYAP_VENV_MIN_FREE_GB:-7}
if ! { [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import torch' 2>/dev/null; }; then
  mkdir -p "$(dirname "$venv")" "$UV_CACHE_DIR"
  free_kb=$(df -Pk "$UV_CACHE_DIR" | awk 'NR == 2 { print $4 }')
  if [ "$free_kb" -lt $((need_gb * 1024 * 1024)) ]; then
    echo "install-venv: $((free_kb / 1024 / 1024)) GB free on the file system of $UV_CACHE_DIR; torch and its CUDA libraries need about ${need_gb} GB. Free some space (or set LYAP_VENV_MIN_FREE_GB) and run again." >&2
    exit 1
  fi
fi
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --disable-pip-version-check --no-cache-dir -q -c clients/python/constraints.txt uv
"$venv/bin/uv" pip install --python "$venv/bin/python" -q -c clients/python/constraints.txt \
  './clients/python[torch,kafka,test]'
"$venv/bin/python" -c 'import sys, torch, confluent_kafka, lyap_client
print(f"python {sys.version.split()[0]}, torch {torch.__version__}, confluent-kafka {confluent_kafka.__version__}, lyap-client {lyap_client.__version__}")'
echo "python client: venv ready in $(($(date +%s) - started)) s; $(du -sh "$venv" "$UV_CACHE_DIR" | cut -f1 | paste -sd' ') in $venv and $UV_CACHE_DIR; $(du -sch "$venv" "$UV_CACHE_DIR" | tail -1 | cut -f1) together (hardlinked)"
