"""``ganzoo demo``: serve a model's page in the browser until Ctrl-C.

Gradio and torch are imported inside the command, so ``ganzoo --help`` stays fast and a
missing Gradio costs one line naming the extra to install.
"""

from __future__ import annotations

import contextlib
import io
import signal
import threading

import click

from ..demo import DEFAULT_HOST


@click.command("demo")
@click.argument("ref")
@click.option("--port", type=click.IntRange(min=1, max=65535), default=None,
              help="Port to listen on (default: 7860, or the next free one).")
@click.option("--host", default=DEFAULT_HOST, show_default=True,
              help="Address to listen on; 0.0.0.0 lets other machines on the network in.")
@click.option("--share", is_flag=True,
              help="Also publish a temporary public link through Gradio's share servers (off unless asked).")
def demo_cmd(ref: str, port: int | None, host: str, share: bool) -> None:
    """Look at a model in the browser: REF is a folder, a pretrained name or a Hub repo id.

    The page is the panel the model's task plugin builds (generate, classify, forecast: what
    that kind of model does) with the model card beside it; every button is also an endpoint
    for gradio_client. Needs Gradio: pip install 'ganzoo[demo]'.
    """
    from ..demo import build, gradio, serve

    gradio()  # a missing extra fails before the model loads
    page = build(ref)
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    # Ctrl-C and SIGTERM only set the flag from here on, so the server always closes cleanly,
    # whenever the signal lands (a KeyboardInterrupt could hit Gradio's own shutdown).
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        url = serve(page, host=host, port=port, share=share)
        click.echo(f"ganzoo demo: {ref} at {url} (Ctrl-C to stop)")
        if share and getattr(page, "share_url", None):
            click.echo(f"public link: {page.share_url}")
        while not stop.wait(0.5):
            pass
    finally:
        with contextlib.redirect_stdout(io.StringIO()):  # Gradio's own "Closing server ..." line
            page.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("ganzoo demo: stopped")


COMMANDS = [demo_cmd]
