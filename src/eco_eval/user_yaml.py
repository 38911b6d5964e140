"""YAML written by a user (``eco_eval.yaml``, ``actions.yaml``), read within bounds.

PyYAML's safe loader builds objects only, but an alias reuses a whole subtree: nine levels of ten
aliases make a 2 KB file stand for a billion values, which every later walk of the configuration
(validation, hashing for build keys) pays for. Here the document is composed first, its size with
every alias expanded is counted once per node, and a document over :data:`MAX_VALUES` is refused
before anything is built. A key written twice in one mapping is refused too (PyYAML keeps the last
one silently). Both errors name the file, the line and the fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from eco_eval.errors import ConfigError

#: Values (scalars, mappings, sequences) a document may stand for, aliases expanded. The demo's
#: configuration has about 700.
MAX_VALUES = 100_000


class _NoDuplicateKeys(yaml.constructor.SafeConstructor):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[str, yaml.Node] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                if key_node.value in seen:
                    raise _Duplicate(key_node)
                seen[key_node.value] = key_node
        return super().construct_mapping(node, deep=deep)


class _StrictLoader(_NoDuplicateKeys, yaml.SafeLoader):
    """PyYAML's own parser: its messages name the character at fault (a tab, say)."""


#: libyaml's parser (C, where PyYAML's is pure Python) when PyYAML was built with it; a
#: document it refuses is parsed again by :class:`_StrictLoader` for the message.
_FastLoader: type[Any] = (
    type("_FastLoader", (_NoDuplicateKeys, yaml.CSafeLoader), {})
    if yaml.__with_libyaml__
    else _StrictLoader
)


class _InvalidYaml(ConfigError):
    """Text the parser refuses (the message names the place)."""


class _Duplicate(Exception):
    def __init__(self, node: yaml.Node) -> None:
        super().__init__(node.value)
        self.node = node


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """Values ``node`` stands for with its aliases expanded (an alias is the same node object)."""
    known = memo.get(id(node))
    if known is not None:
        return known
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(v, memo) for v in node.value)
    else:
        size = 1
    memo[id(node)] = size
    return size


def _where(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""


def load_user_yaml(text: str, origin: str) -> Any:
    """The document in ``text`` (None when empty), or a one-line :class:`ConfigError` naming
    ``origin`` for invalid YAML, a duplicate key or a document over :data:`MAX_VALUES` values."""
    try:
        return _load(_FastLoader, text, origin)
    except _InvalidYaml:
        return _load(_StrictLoader, text, origin)


def _load(loader_class: type[Any], text: str, origin: str) -> Any:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            size = _expanded_size(node, {})
        except RecursionError:
            size = MAX_VALUES + 1
        if size > MAX_VALUES:
            raise ConfigError(
                f"{origin}: the document stands for more than {MAX_VALUES:,} values once its "
                "aliases (*name) are expanded; write the values out or use fewer nested aliases"
            )
        return loader.construct_document(node)
    except _Duplicate as dup:
        raise ConfigError(
            f"{origin}: {_where(dup.node.start_mark)}the key {dup.node.value!r} is written twice "
            "in the same mapping; keep one (YAML would silently use the last)"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise _InvalidYaml(
            f"{origin}: {_where(mark)}invalid YAML ({getattr(exc, 'problem', exc)}); fix the syntax"
        ) from None
    finally:
        loader.dispose()


def read_user_text(path: Any, origin: str | None = None) -> str:
    """The text of a configuration file written by a person, or a ConfigError naming the file
    and the line when it is not UTF-8 (a file saved as Windows-1252, say). ``origin``: how the
    error names the file (default its path)."""
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{origin or path}: line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); save "
            "the file as UTF-8 (in Notepad or LibreOffice: Save as, encoding UTF-8)"
        ) from None
