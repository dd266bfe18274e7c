"""RPC routes on files: metadata, listing, temporary links and uploads."""

from __future__ import annotations

from typing import Any

from dropbox import files

from .api import ApiFailure, Call, Endpoint
from .state import Account, Node, Page, TempLink, World, random_text
from .tree import (
    TreeConflict,
    children,
    content_hash,
    enclosing_share,
    folder_share,
    lookup,
    normalize,
    put_file,
)

DEFAULT_LIST_LIMIT = 2000


def metadata(world: World, account: Account, node: Node) -> Any:
    """FileMetadata or FolderMetadata for a node, with its shared-folder facts."""
    parent = enclosing_share(world, account, node.path_lower)
    parent_id = parent.shared_folder_id if parent else None
    if node.is_folder:
        return folder_metadata(world, node, parent_id)
    info = None
    if parent_id:
        info = files.FileSharingInfo(read_only=False, parent_shared_folder_id=parent_id)
    return files.FileMetadata(
        name=node.name,
        id=node.id,
        client_modified=node.modified,
        server_modified=node.modified,
        rev=node.rev,
        size=len(node.data),
        path_lower=node.path_lower,
        path_display=node.path_display,
        content_hash=content_hash(node.data),
        is_downloadable=True,
        parent_shared_folder_id=parent_id,
        sharing_info=info,
    )


def folder_metadata(world: World, node: Node, parent_id: str | None) -> Any:
    """FolderMetadata, naming the folder's own share and the one it sits in."""
    own = folder_share(world, node)
    own_id = own.shared_folder_id if own else None
    info = None
    if own_id or parent_id:
        info = files.FolderSharingInfo(
            read_only=False, parent_shared_folder_id=parent_id, shared_folder_id=own_id
        )
    return files.FolderMetadata(
        name=node.name,
        id=node.id,
        path_lower=node.path_lower,
        path_display=node.path_display,
        parent_shared_folder_id=parent_id,
        shared_folder_id=own_id,
        sharing_info=info,
    )


def get_metadata(call: Call, arg: Any) -> Any:
    """files/get_metadata."""
    node = lookup(call.account, arg.path)
    if node is None:
        raise ApiFailure(files.GetMetadataError.path(files.LookupError.not_found))
    return metadata(call.world, call.account, node)


def list_folder(call: Call, arg: Any) -> Any:
    """files/list_folder ("" is the root), paged by `limit`."""
    folder_lower = ""
    if normalize(arg.path):
        node = lookup(call.account, arg.path)
        if node is None:
            raise ApiFailure(files.ListFolderError.path(files.LookupError.not_found))
        if not node.is_folder:
            raise ApiFailure(files.ListFolderError.path(files.LookupError.not_folder))
        folder_lower = node.path_lower
    entries = [
        metadata(call.world, call.account, n)
        for n in children(call.account, folder_lower, arg.recursive)
    ]
    page = Page("list_folder", call.account.account_id, entries, arg.limit or DEFAULT_LIST_LIMIT)
    return listing(call.world, page)


def list_folder_continue(call: Call, arg: Any) -> Any:
    """files/list_folder/continue; an unknown or used cursor needs a reset."""
    page = call.world.resume(arg.cursor, "list_folder", call.account.account_id)
    if page is None:
        raise ApiFailure(files.ListFolderContinueError.reset)
    return listing(call.world, page)


def listing(world: World, page: Page) -> Any:
    """One ListFolderResult page; its cursor is always there, as Dropbox's is."""
    entries, cursor = world.paginate(page, always=True)
    has_more = len(page.items) > page.limit
    return files.ListFolderResult(entries=entries, cursor=cursor, has_more=has_more)


def get_temporary_link(call: Call, arg: Any) -> Any:
    """files/get_temporary_link: a link on this server that serves the bytes for a while."""
    node = lookup(call.account, arg.path)
    if node is None or node.is_folder:
        problem = files.LookupError.not_found if node is None else files.LookupError.not_file
        raise ApiFailure(files.GetTemporaryLinkError.path(problem))
    key = random_text(32)
    expires_at = call.world.clock() + call.settings.temp_link_ttl_s
    call.world.links[key] = TempLink(call.account.account_id, node.id, expires_at)
    link = f"{call.settings.base_url}/tl/{key}"
    return files.GetTemporaryLinkResult(
        metadata=metadata(call.world, call.account, node), link=link
    )


def upload(call: Call, arg: Any) -> Any:
    """files/upload (content host): the bytes are the body, the arg is a header."""
    if arg.content_hash and arg.content_hash != content_hash(call.body):
        raise ApiFailure(files.UploadError.content_hash_mismatch)
    path = normalize(arg.path)
    existing = lookup(call.account, path)
    if existing is not None and not existing.is_folder:
        if arg.mode.is_add() and existing.data == call.body:
            return metadata(call.world, call.account, existing)
        if conflicts(arg.mode, existing):
            if not arg.autorename:
                raise ApiFailure(write_failed(files.WriteConflictError.file))
            path = free_name(call.account, path)
    try:
        node = put_file(call.account, path, call.body)
    except TreeConflict as e:
        clash = e.node.path_lower == path.lower()
        reason = (
            files.WriteConflictError.folder if clash else files.WriteConflictError.file_ancestor
        )
        raise ApiFailure(write_failed(reason)) from e
    return metadata(call.world, call.account, node)


def conflicts(mode: Any, existing: Node) -> bool:
    """Whether writing over `existing` in this WriteMode is a conflict."""
    if mode.is_overwrite():
        return False
    return not (mode.is_update() and mode.get_update() == existing.rev)


def free_name(account: Account, path: str) -> str:
    """`path` renamed "name (1).ext", "name (2).ext"… to the first free name."""
    folder, _, name = path.rpartition("/")
    stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
    number = 1
    while lookup(account, f"{folder}/{stem} ({number}){dot}{ext}") is not None:
        number += 1
    return f"{folder}/{stem} ({number}){dot}{ext}"


def write_failed(reason: Any) -> Any:
    """An UploadError for a write conflict."""
    failed = files.UploadWriteFailed(reason=files.WriteError.conflict(reason), upload_session_id="")
    return files.UploadError.path(failed)


ROUTES = {
    "files/get_metadata": Endpoint(files.get_metadata, get_metadata),
    "files/list_folder": Endpoint(files.list_folder, list_folder),
    "files/list_folder/continue": Endpoint(files.list_folder_continue, list_folder_continue),
    "files/get_temporary_link": Endpoint(files.get_temporary_link, get_temporary_link),
    "files/upload": Endpoint(files.upload, upload),
}
