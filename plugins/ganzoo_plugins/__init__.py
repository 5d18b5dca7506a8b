"""ganzoo's built-in plugins: the seed model families, the datasets and the losses.

Each submodule is an entry point of group ``ganzoo`` declared in the root ``pyproject.toml``,
exactly as a third-party plugin would declare its own. Registration modules import no torch;
the networks live in ``model.py`` modules named by each spec's builder.
"""
