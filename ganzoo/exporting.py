"""``ganzoo export``: a model's network as a file other runtimes load (ONNX, TorchScript, ...).

Two plugin contracts meet here and neither knows the other. The model says what its network takes
and returns (:meth:`ganzoo.modeling.ZooModel.export_signature`: a GAN's latents and labels, a
classifier's images); an exporter plugin (:class:`~ganzoo.specs.ExporterSpec`, registered through
``register_exporters``) writes its format and runs a written file back. This module joins them:
it checks the exporter's modules before the model loads, exports a float32 copy of the network in
eval mode on the CPU, runs the written file on fresh inputs of another batch size than the one
traced (so a batch axis frozen at export fails here, not in the user's runtime), compares with
the torch output, and only then moves the file into place atomically. A failure at any step is
one line, and an existing file at ``out`` is left as it was.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import importlib.util
import io
import json
import logging
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, ExportError, GanzooError, PluginLoadError, UnknownName

if TYPE_CHECKING:
    import torch

    from .modeling import ExportSignature
    from .specs import ExporterSpec

#: The largest difference a check accepts, relative to the output's scale (max(1, max |y|)):
#: float32 kernels of two runtimes agree to ~1e-6 on these networks.
TOLERANCE = 1e-4
#: Batch sizes of the traced example and of the check; different on purpose.
EXPORT_BATCH, CHECK_BATCH = 2, 3


class Exporter:
    """Base class of an export format. One instance per process; it keeps no state.

    ``write`` turns ``network`` into the file at ``path``; ``run`` loads that file with the
    format's own runtime and returns its outputs for ``inputs``. Both get the model's
    :class:`~ganzoo.modeling.ExportSignature`, never the model: an exporter works for every kind.
    ``metadata`` (model, task, value range, input shapes) goes into the file where the format
    has room for it.
    """

    spec: ExporterSpec

    @property
    def name(self) -> str:
        return self.spec.name

    #: The runtime ``run`` uses, for the line ``ganzoo export`` prints ("onnxruntime").
    runtime: str = ""

    def write(self, network: torch.nn.Module, signature: ExportSignature, path: Path,
              metadata: dict[str, str]) -> None:
        raise NotImplementedError

    def run(self, path: Path, signature: ExportSignature, inputs: dict[str, torch.Tensor]) -> list[torch.Tensor]:
        raise NotImplementedError


@dataclass
class Exported:
    """What :func:`export_model` wrote and how well the file agrees with the model."""

    path: Path
    format: str
    runtime: str
    signature: ExportSignature
    max_abs_diff: float

    def line(self, replaced: bool = False) -> str:
        """``wrote g.onnx (onnx: z[batch,100,1,1] -> images; onnxruntime matches torch to 3.0e-07 max
        abs difference)``; ``replaced`` says an existing file gave way (never silently)."""
        outs = ", ".join(self.signature.outputs)
        return (f"wrote {self.path}{', replacing the existing file' if replaced else ''} ({self.format}: "
                f"{self.signature.shapes()} -> {outs}; {self.runtime} matches torch to "
                f"{self.max_abs_diff:.1e} max abs difference)")


def missing(spec: ExporterSpec) -> list[str]:
    """The modules of ``spec.requires`` that are not installed (looked up, not imported)."""
    absent = []
    for module in spec.requires:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # a parent package missing; a module blocked in sys.modules
            found = False
        if not found:
            absent.append(module)
    return absent


def exporter(name: str) -> Exporter:
    """The exporter registered as ``name``; its modules are imported first, so a missing one is a
    one-line error naming the pip command (and the model is never loaded for nothing)."""
    from . import registry

    known = registry.catalog().specs["exporter"]
    if name not in known:
        raise UnknownName("exporter", name, known, hint="ganzoo list --kind exporter")
    spec = known[name]
    missing = []
    for module in spec.requires:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(module)
    if missing:
        fix = f"; {spec.install}" if spec.install else ""
        raise ConfigError(f"export: the {name} format needs {', '.join(missing)}, which "
                          f"{'is' if len(missing) == 1 else 'are'} not installed{fix}")
    built = spec.load_builder()()
    if not isinstance(built, Exporter):
        raise PluginLoadError(f"exporter '{name}': builder {spec.builder} returned {type(built).__name__}, "
                              f"not a ganzoo.exporting.Exporter (fix the plugin '{spec.plugin}')")
    built.spec = spec
    return built


def export(ref: Any, format: str, out: str | Path) -> Path:  # noqa: A002 - the CLI's word
    """Write the network of ``ref`` (a folder, a pretrained name, a Hub repo id or a loaded
    model) to ``out`` in ``format`` (``ganzoo list --kind exporter``); returns the path.

    The written file has been run back and matches the torch output (see :data:`TOLERANCE`).
    """
    return export_model(ref, format, out).path


def export_model(ref: Any, format: str, out: str | Path) -> Exported:  # noqa: A002
    """:func:`export`, returning what was written and the measured difference."""
    from .io import atomic_path, writable_error
    from .modeling import ZooModel

    target = Path(out)
    problem = writable_error(target, "the export file")
    if problem is not None:
        raise ConfigError(f"export: {problem} (pick a writable --out FILE)")
    chosen = exporter(format)
    if isinstance(ref, ZooModel):
        model = ref
    else:
        from .api import load

        model = load(ref)
    label = _label(model, ref)
    signature, check = _signatures(model, label)
    network = copy.deepcopy(model.networks()[signature.network]).float().cpu().eval()
    for p in network.parameters():
        p.requires_grad_(False)
    metadata = _metadata(model, signature)
    with atomic_path(target) as tmp:
        with _quiet():
            try:
                chosen.write(network, signature, tmp, metadata)
            except (GanzooError, OSError):
                raise
            except Exception as exc:  # noqa: BLE001 - an exporter fails in its own ways
                raise ExportError(f"export: {label} cannot be exported to {format}: {_reason(exc)} "
                                  f"(its {signature.network}'s forward must be traceable: no Python "
                                  f"branch on tensor values, no NumPy)") from exc
            diff = _check(chosen, network, tmp, check, label)
    return Exported(target, format, chosen.runtime or format, signature, diff)


def _label(model: Any, ref: Any) -> str:
    name = (getattr(model, "zoo_config", None) or {}).get("model")
    shown = ref if isinstance(ref, (str, Path)) else None
    return f"{shown} ({name})" if shown and name and str(shown) != name else str(shown or name or type(model).__name__)


def _signatures(model: Any, label: str) -> tuple[ExportSignature, ExportSignature]:
    """The signature traced and the one checked (another batch size, fresh values)."""
    import torch

    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            signature = model.export_signature(EXPORT_BATCH)
            check = model.export_signature(CHECK_BATCH)
    except NotImplementedError:
        raise ExportError(f"export: {label} cannot be exported: {type(model).__name__} does not say what its "
                          f"network takes (its plugin implements neither example_input nor "
                          f"export_signature)") from None
    if signature.network not in model.networks():
        raise ExportError(f"export: {label}: export_signature names network '{signature.network}', "
                          f"not one of {', '.join(model.networks())}")
    varying = check.dynamic_axes()
    for name, tensor in check.inputs.items():  # the other varying dims are checked at half size
        for dim in sorted(set(varying[name]) - {0}):
            if dim < tensor.dim() and tensor.shape[dim] > 1:
                tensor = tensor.narrow(dim, 0, tensor.shape[dim] // 2)
        check.inputs[name] = tensor
    return signature, check


def _check(chosen: Exporter, network: torch.nn.Module, path: Path, check: ExportSignature,
           label: str) -> float:
    """Run the written file on ``check``'s inputs; the largest difference from the torch output."""
    import torch

    with torch.no_grad():
        expected = network(*check.inputs.values())
    expected = list(expected) if isinstance(expected, (tuple, list)) else [expected]
    try:
        got = chosen.run(path, check, dict(check.inputs))
    except Exception as exc:  # noqa: BLE001 - a runtime fails in its own ways
        raise ExportError(f"export: the {chosen.name} file of {label} was written but "
                          f"{chosen.runtime or 'its runtime'} cannot run it: {_reason(exc)}") from exc
    if len(got) != len(expected):
        raise ExportError(f"export: the {chosen.name} file of {label} returns {len(got)} outputs, "
                          f"the model {len(expected)}")
    worst = 0.0
    for name, want, have in zip(check.outputs, expected, got):
        have = torch.as_tensor(have)
        if tuple(have.shape) != tuple(want.shape):
            raise ExportError(f"export: the {chosen.name} file of {label} gives {name} of shape "
                              f"{tuple(have.shape)} for a batch of {CHECK_BATCH}, the model "
                              f"{tuple(want.shape)} (an axis was frozen at export)")
        diff = float((have.double() - want.double()).abs().max()) if want.numel() else 0.0
        scale = max(1.0, float(want.double().abs().max())) if want.numel() else 1.0
        if not diff <= TOLERANCE * scale:  # NaN fails too
            raise ExportError(f"export: the {chosen.name} file of {label} disagrees with the model: "
                              f"{name} differs by up to {diff:.3g} on fresh inputs (its forward has "
                              f"Python control flow or NumPy calls the exporter cannot follow)")
        worst = max(worst, diff)
    return worst


def _metadata(model: Any, signature: ExportSignature) -> dict[str, str]:
    """Facts an exported file carries so its user needs no ganzoo: what it is and its ranges."""
    from . import __version__
    from .sample import value_range

    config = getattr(model, "zoo_config", None) or {}
    data = config.get("dataset") if isinstance(config.get("dataset"), dict) else {}
    meta = {
        "ganzoo_version": __version__,
        "ganzoo_model": str(config.get("model") or type(model).__name__),
        "ganzoo_task": str(getattr(model, "task", "") or ""),
        "network": signature.network,
        "inputs": signature.shapes(),
        "outputs": ", ".join(signature.outputs),
        "value_range": json.dumps(list(value_range(model))),
        "hparams": json.dumps(getattr(model, "config", {}), default=str),
    }
    if isinstance(data.get("class_names"), list):
        meta["class_names"] = json.dumps([str(c) for c in data["class_names"]])
    return meta


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _reason(exc: BaseException) -> str:
    """The first line of the innermost cause: the exporters wrap the useful message in others."""
    inner: BaseException = exc
    seen = {id(inner)}
    while (inner.__cause__ or inner.__context__) is not None and id(inner.__cause__ or inner.__context__) not in seen:
        inner = inner.__cause__ or inner.__context__  # type: ignore[assignment]
        seen.add(id(inner))
    lines = [line.strip() for line in _ANSI.sub("", str(inner)).splitlines() if line.strip()]
    text = lines[0] if lines else type(inner).__name__
    return f"{type(inner).__name__}: {text[:300]}"


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Exporters print graphs, progress and warnings: keep the CLI's output to its own lines."""
    sink = io.StringIO()
    torch_log = logging.getLogger("torch")
    level = torch_log.level
    torch_log.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            warnings.simplefilter("ignore")
            yield
    finally:
        torch_log.setLevel(level)
