"""TorchScript through ``torch.jit.trace``, loaded back with ``torch.jit.load``.

Tracing records the operations run on the example inputs, so a forward with Python branches on
tensor values would be frozen to one branch: ``ganzoo export`` runs the file on fresh inputs of
another batch size and refuses one that disagrees. The metadata travels as ``ganzoo.json``, an
extra file of the archive (``torch.jit.load(path, _extra_files={"ganzoo.json": ""})``).
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from ganzoo.exporting import Exporter
from ganzoo.modeling import ExportSignature

#: The archive's extra file holding ``ganzoo export``'s metadata.
EXTRA_FILE = "ganzoo.json"


class TorchScriptExporter(Exporter):
    runtime = "torch.jit.load"

    def write(self, network: torch.nn.Module, signature: ExportSignature, path: Path,
              metadata: dict[str, str]) -> None:
        traced = torch.jit.trace(network, tuple(signature.inputs.values()), check_trace=False)
        torch.jit.save(traced, str(path), _extra_files={EXTRA_FILE: json.dumps(metadata, indent=2)})

    def run(self, path: Path, signature: ExportSignature, inputs: dict[str, torch.Tensor]) -> list[torch.Tensor]:
        module = torch.jit.load(str(path), map_location="cpu")
        with torch.no_grad():
            out = module(*inputs.values())
        return list(out) if isinstance(out, (tuple, list)) else [out]
