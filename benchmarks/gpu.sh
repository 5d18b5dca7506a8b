#!/usr/bin/env bash
# The GPU figures of issue 8, as one prepared command (<= 3 minutes on one CUDA GPU):
# DCGAN-64 training img/s at batch 128 and 512, the seed loop vs ganzoo (bf16 autocast,
# channels_last, cudnn.benchmark, fused Adam), and sampling img/s. Writes the "## GPU"
# section of docs/benchmarks.md with the GPU's name. Without CUDA it runs the same cases at
# tiny sizes on the CPU (a smoke check of this script) and records nothing.
#
#   bash benchmarks/gpu.sh            # or: bash benchmarks/gpu.sh --no-write
set -euo pipefail
cd "$(dirname "$0")/.."
python -c "import torch; print('torch', torch.__version__, '| cuda:', torch.cuda.is_available() and torch.cuda.get_device_name(0))"
exec timeout 170 python benchmarks/run.py --gpu "$@"
