"""ONNX through ``torch.onnx.export`` (the torch.export-based exporter), run back in onnxruntime.

Every dim the model's :class:`~ganzoo.modeling.ExportSignature` lets vary (the batch, a series'
length) is a named symbolic dim of the graph; the facts ``ganzoo export`` gathers (model, value
range, input shapes) are the model's ``metadata_props``. One self-contained file: weights inline.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import torch

from ganzoo.exporting import Exporter
from ganzoo.modeling import ExportSignature


class OnnxExporter(Exporter):
    runtime = "onnxruntime"

    def write(self, network: torch.nn.Module, signature: ExportSignature, path: Path,
              metadata: dict[str, str]) -> None:
        dims: dict[str, Any] = {}  # one Dim per label: inputs sharing "batch" share the axis
        axes = signature.dynamic_axes()
        shapes = tuple({d: dims.setdefault(_name(label), torch.export.Dim(_name(label)))
                        for d, label in axes[name].items()} for name in signature.inputs)
        program = torch.onnx.export(network, tuple(signature.inputs.values()), None, dynamo=True,
                                    input_names=list(signature.inputs), output_names=list(signature.outputs),
                                    dynamic_shapes=shapes, verbose=False)
        _declare_outputs(program.model, axes)
        program.model.metadata_props.update(metadata)
        program.save(str(path), external_data=False)

    def run(self, path: Path, signature: ExportSignature, inputs: dict[str, torch.Tensor]) -> list[torch.Tensor]:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # errors only: its graph notes are not the user's business
        session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        feeds = {i.name: inputs[i.name].numpy() for i in session.get_inputs()}
        return [torch.from_numpy(out) for out in session.run(list(signature.outputs), feeds)]


def _name(label: str) -> str:
    """A dim label as an identifier (torch.export's ``Dim`` needs one)."""
    return re.sub(r"\W", "_", label) or "dim"


def _declare_outputs(model: Any, axes: dict[str, dict[int, str]]) -> None:
    """Name the outputs' varying dims as the signature does. Beyond the batch, the exporter can
    leave an axis fixed at its traced size (an LSTM's time steps) in the outputs' and the
    intermediate values' shape hints, and onnxruntime then warns at every other length: those
    files keep the hints of their inputs and outputs only (onnxruntime infers the rest itself)."""
    import onnx_ir

    for value in model.graph.outputs:
        if value.shape is not None and value.name in axes:
            varying = axes[value.name]
            value.shape = onnx_ir.Shape([onnx_ir.SymbolicDim(_name(varying[i])) if i in varying else d
                                         for i, d in enumerate(value.shape)])
    if any(set(varying) - {0} for varying in axes.values()):
        ends = {id(v) for v in model.graph.outputs}
        for node in model.graph:
            for value in node.outputs:
                if id(value) not in ends:
                    value.shape = None
