"""Files shared in conversations (docs/files.md).

Modules: ``files`` (upload, who may read, lists, search, deletion), ``filetypes`` (the type from
the first bytes, safe names), ``previews`` (made by the ``previews.make`` job)."""

from chat.services.files.files import (
    MAX_FILES_PER_MESSAGE,
    access_file,
    attach,
    blob_key,
    check_max_file_size,
    check_sendable,
    delete_file,
    file_content,
    file_size_ceiling,
    forget_unsent,
    get_file,
    list_channel_files,
    list_workspace_files,
    max_file_size,
    release,
    search_files,
    storage_usage,
    thumbnail_key,
    upload_files,
    upload_request_limit,
)

__all__ = [
    "MAX_FILES_PER_MESSAGE",
    "access_file",
    "attach",
    "blob_key",
    "check_max_file_size",
    "check_sendable",
    "delete_file",
    "file_content",
    "file_size_ceiling",
    "forget_unsent",
    "get_file",
    "list_channel_files",
    "list_workspace_files",
    "max_file_size",
    "release",
    "search_files",
    "storage_usage",
    "thumbnail_key",
    "upload_files",
    "upload_request_limit",
]
