"""The built-in export formats: ONNX (checked in onnxruntime) and TorchScript.

Registered through the ``ganzoo`` entry point ``exporters`` like any third-party format. This
module imports no torch: the specs are plain data; each builder's module holds the behaviour.
What a model's file takes and returns is the model's to say
(:meth:`ganzoo.modeling.ZooModel.export_signature`), so these work for every kind of model.
"""

from __future__ import annotations

from ganzoo import hookimpl
from ganzoo.specs import ExporterSpec


@hookimpl
def register_exporters(register):
    register(ExporterSpec(
        name="onnx",
        builder="ganzoo_plugins.exporters.onnx:OnnxExporter",
        description="ONNX with a dynamic batch axis (torch.onnx's exporter), checked in onnxruntime",
        suffix=".onnx",
        requires=("onnx", "onnxscript", "onnxruntime"),
        install="pip install 'ganzoo[export]'",
    ))
    register(ExporterSpec(
        name="torchscript",
        builder="ganzoo_plugins.exporters.torchscript:TorchScriptExporter",
        description="TorchScript (torch.jit.trace) for C++ and Python without ganzoo, checked with torch.jit.load",
        suffix=".pt",
    ))
