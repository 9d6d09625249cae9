"""Files shared in conversations (docs/files.md).

Modules: ``files`` (upload, who may read, lists, search, deletion), ``upload_urls`` (the Web
API's uploads in three steps: an upload URL, the bytes, completing), ``filetypes`` (the type from
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
from chat.services.files.upload_urls import (
    UPLOAD_URL_PATH,
    UploadBody,
    UploadUrl,
    complete_upload,
    read_upload_url,
    receive_upload,
    start_upload,
)

__all__ = [
    "MAX_FILES_PER_MESSAGE",
    "UPLOAD_URL_PATH",
    "UploadBody",
    "UploadUrl",
    "access_file",
    "attach",
    "blob_key",
    "check_max_file_size",
    "check_sendable",
    "complete_upload",
    "delete_file",
    "file_content",
    "file_size_ceiling",
    "forget_unsent",
    "get_file",
    "list_channel_files",
    "list_workspace_files",
    "max_file_size",
    "read_upload_url",
    "receive_upload",
    "release",
    "search_files",
    "start_upload",
    "storage_usage",
    "thumbnail_key",
    "upload_files",
    "upload_request_limit",
]
