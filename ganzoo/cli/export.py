"""``ganzoo export``: a model's network as ONNX or TorchScript, for runtimes without ganzoo.

The formats are exporter plugins (``ganzoo list --kind exporter``); what the file takes and
returns is the model's to say. Torch and the exporters are imported inside the command so
``ganzoo --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import click


@click.command("export")
@click.argument("ref")
@click.option("--format", "fmt", required=True, metavar="NAME",
              help="onnx (checked in onnxruntime; needs pip install 'ganzoo[export]') or torchscript; "
                   "see: ganzoo list --kind exporter.")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="The file to write, e.g. g.onnx. An existing file is replaced only once the new one "
                   "has passed the check, and said so.")
def export_cmd(ref: str, fmt: str, out: str) -> None:
    """Write the network of REF as one ONNX or TorchScript file, for runtimes without ganzoo.

    REF is a folder, a pretrained name or a Hub repo id. The file holds a GAN's generator (inputs
    z, plus labels for a class-conditional one), a classifier's or a regressor's network; every
    axis named batch takes any batch size. Before the file is kept it is run in its own runtime
    on fresh inputs and compared with torch; the line printed says by how much they differ.
    """
    from ..exporting import export_model

    existed = Path(out).exists()
    result = export_model(ref, fmt, out)
    click.echo(result.line(replaced=existed))


COMMANDS = [export_cmd]
