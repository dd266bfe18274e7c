"""File tree operations on one account, with Dropbox's case-insensitive paths."""

from __future__ import annotations

import hashlib

from .state import Account, Node, Share, World, new_rev, now, random_text

_BLOCK = 4 * 1024 * 1024


class TreeConflict(Exception):
    """A write would put a file where a folder is, or under a file."""

    def __init__(self, node: Node) -> None:
        super().__init__(node.path_display)
        self.node = node


def normalize(path: str) -> str:
    """A display path with one leading slash and no trailing one; the root is ""."""
    parts = [p for p in path.split("/") if p]
    return "/" + "/".join(parts) if parts else ""


def content_hash(data: bytes) -> str:
    """Dropbox's content hash: SHA-256 over the SHA-256 of each 4 MiB block."""
    blocks = (data[i : i + _BLOCK] for i in range(0, len(data), _BLOCK))
    return hashlib.sha256(b"".join(hashlib.sha256(b).digest() for b in blocks)).hexdigest()


def lookup(account: Account, path_or_id: str) -> Node | None:
    """The node at a path or with an `id:` id."""
    if path_or_id.startswith("id:"):
        return next((n for n in account.nodes.values() if n.id == path_or_id), None)
    return account.nodes.get(normalize(path_or_id).lower())


def node_by_id(account: Account, node_id: str) -> Node | None:
    """The node with this id, wherever it is now."""
    return lookup(account, node_id) if node_id.startswith("id:") else None


def ensure_folder(account: Account, path: str) -> Node | None:
    """The folder at `path`, made with its parents when missing; None for the root."""
    parts = [p for p in normalize(path).split("/") if p]
    folder: Node | None = None
    for depth in range(1, len(parts) + 1):
        display = "/" + "/".join(parts[:depth])
        folder = account.nodes.get(display.lower())
        if folder is None:
            folder = Node(id=new_node_id(), path_display=display, is_folder=True)
            account.nodes[folder.path_lower] = folder
        elif not folder.is_folder:
            raise TreeConflict(folder)
    return folder


def put_file(account: Account, path: str, data: bytes) -> Node:
    """Write a file, making its folders; an existing file keeps its id and gets a new rev."""
    display = normalize(path)
    ensure_folder(account, display.rsplit("/", 1)[0])
    node = account.nodes.get(display.lower())
    if node is None:
        node = Node(id=new_node_id(), path_display=display, is_folder=False, data=data)
        account.nodes[node.path_lower] = node
    elif node.is_folder:
        raise TreeConflict(node)
    else:
        node.data, node.rev, node.modified = data, new_rev(), now()
    return node


def children(account: Account, folder_lower: str, recursive: bool) -> list[Node]:
    """The nodes under a folder ("" is the root), sorted by path."""
    prefix = folder_lower + "/"
    found = [
        n
        for n in account.nodes.values()
        if n.path_lower.startswith(prefix) and (recursive or "/" not in n.path_lower[len(prefix) :])
    ]
    return sorted(found, key=lambda n: n.path_lower)


def folder_share(world: World, node: Node) -> Share | None:
    """The share made on this very folder, if any."""
    return next((s for s in world.folder_shares.values() if s.node_id == node.id), None)


def enclosing_share(world: World, account: Account, path_lower: str) -> Share | None:
    """The shared folder of `account` that strictly contains `path_lower`, if any."""
    for share in world.folder_shares.values():
        folder = (
            node_by_id(account, share.node_id) if share.owner_id == account.account_id else None
        )
        if folder is not None and path_lower.startswith(folder.path_lower + "/"):
            return share
    return None


def shares_inside(world: World, account: Account, path_lower: str) -> list[Share]:
    """The shared folders of `account` strictly inside `path_lower`."""
    inside = []
    for share in world.folder_shares.values():
        folder = (
            node_by_id(account, share.node_id) if share.owner_id == account.account_id else None
        )
        if folder is not None and folder.path_lower.startswith(path_lower + "/"):
            inside.append(share)
    return inside


def new_node_id() -> str:
    """A file or folder id like Dropbox's `id:…`."""
    return "id:" + random_text(22)
