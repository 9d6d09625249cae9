"""File sharing through the REST API and the socket, against a live server: upload, send, preview
arriving live, download with Range, search inside PDFs, deletion, limits, hostile files, and who
may read what."""
from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.files import samples
from tests.support import PASSWORD, Cast, Person, Server, SocketClient


@contextmanager
def connected(person: Person) -> Iterator[SocketClient]:
    sock = person.socket()
    try:
        yield sock
    finally:
        sock.close()


def upload(person: Person, channel_id: int, *files: tuple[str, bytes]) -> requests.Response:
    return person.request("POST", f"/channels/{channel_id}/files",
                          files=[("file", (name, data)) for name, data in files])


def share(person: Person, channel_id: int, name: str, data: bytes, body: str = "") -> dict[str, Any]:
    """Upload one file and send it in a message; returns the message."""
    r = upload(person, channel_id, (name, data))
    assert r.status_code == 201, r.text
    return person.post(f"/channels/{channel_id}/messages", {"body": body, "file_ids": [r.json()["files"][0]["id"]]})


def wait_preview(person: Person, file_id: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        f = person.get(f"/files/{file_id}")
        if f["preview"]["state"] != "pending" or time.monotonic() > deadline:
            return f
        time.sleep(0.1)


def uploads_dir(server: Server) -> Path:
    return Path(server.env["CHAT_INSTANCE_DIR"]) / "uploads"


def error_code(r: requests.Response) -> str:
    return r.json()["error"]["code"]


def test_a_shared_pdf_reaches_the_channel_live_and_its_preview_follows(cast: Cast) -> None:
    data = samples.pdf(["Master services agreement with clause pelican", "Page two", "Page three"])
    with connected(cast.bob) as bob_socket:
        message = share(cast.alice, cast.acme.general_id, "contract.pdf", data, "please review")
        f = message["files"][0]
        assert (f["name"], f["kind"], f["content_type"], f["size"]) == (
            "contract.pdf", "pdf", "application/pdf", len(data))
        assert f["uploader"]["id"] == cast.alice.user["id"] and f["message_id"] == message["id"]

        created = bob_socket.wait_for("message.created", lambda e: e["data"]["id"] == message["id"])
        assert created["data"]["files"][0]["id"] == f["id"]
        updated = bob_socket.wait_for(
            "message.updated", lambda e: e["data"]["id"] == message["id"]
            and e["data"]["files"][0]["preview"]["state"] == "ready", timeout=30)
    preview = updated["data"]["files"][0]["preview"]
    assert preview["page_count"] == 3 and (preview["width"], preview["height"]) == (612, 792)

    thumbnail = cast.bob.request("GET", preview["thumbnail_url"].removeprefix("/api/v1"))
    assert thumbnail.status_code == 200 and thumbnail.headers["Content-Type"] == "image/webp"
    assert thumbnail.content[:4] == b"RIFF" and thumbnail.content[8:12] == b"WEBP"

    content = cast.bob.request("GET", f"/files/{f['id']}/content")
    assert content.status_code == 200 and content.content == data
    assert content.headers["Content-Type"] == "application/pdf"
    assert content.headers["Content-Disposition"].startswith("inline")
    assert content.headers["X-Content-Type-Options"] == "nosniff"


def test_files_alone_make_a_message_and_several_files_keep_their_order(cast: Cast) -> None:
    r = upload(cast.alice, cast.acme.general_id, ("a.png", samples.png(color="red")), ("b.txt", b"notes\n"))
    assert r.status_code == 201
    ids = [f["id"] for f in r.json()["files"]]
    message = cast.alice.post(f"/channels/{cast.acme.general_id}/messages", {"file_ids": ids})
    assert message["body"] == "" and [f["id"] for f in message["files"]] == ids
    assert [f["kind"] for f in message["files"]] == ["image", "other"]

    # A file goes out once: sending it again is refused, and the first message is untouched.
    again = cast.alice.request("POST", f"/channels/{cast.acme.general_id}/messages", json={"file_ids": ids[:1]})
    assert again.status_code == 409 and error_code(again) == "file_already_sent"
    assert [f["id"] for f in cast.alice.get(f"/messages/{message['id']}")["files"]] == ids


def test_a_retried_send_with_files_is_not_duplicated(cast: Cast) -> None:
    r = upload(cast.alice, cast.acme.general_id, ("memo.txt", b"retry me"))
    file_id = r.json()["files"][0]["id"]
    send = {"body": "memo", "file_ids": [file_id], "client_msg_id": "files-retry-1"}
    first = cast.alice.call("POST", f"/channels/{cast.acme.general_id}/messages", send, expect=201)
    second = cast.alice.call("POST", f"/channels/{cast.acme.general_id}/messages", send, expect=200)
    assert first["id"] == second["id"] and second["files"][0]["id"] == file_id


def test_sending_files_over_the_socket_uses_the_same_rules(cast: Cast) -> None:
    file_id = upload(cast.alice, cast.acme.general_id, ("s.txt", b"socket")).json()["files"][0]["id"]
    with connected(cast.alice) as sock:
        ack = sock.call("message.send", {"channel_id": cast.acme.general_id, "file_ids": [file_id]})
        assert ack["data"]["files"][0]["id"] == file_id
        # Bob's upload cannot be sent by Alice.
        bobs = upload(cast.bob, cast.acme.general_id, ("b.txt", b"mine")).json()["files"][0]["id"]
        ack = sock.call("message.send", {"channel_id": cast.acme.general_id, "file_ids": [bobs]})
        assert ack["error"]["code"] == "file_not_found"


def test_range_requests_serve_parts_and_check_access_every_time(cast: Cast) -> None:
    data = samples.pdf([f"page {i}" for i in range(30)])
    f = share(cast.alice, cast.acme.general_id, "long.pdf", data)["files"][0]
    part = cast.bob.request("GET", f"/files/{f['id']}/content", headers={
        "Authorization": f"Bearer {cast.bob.token}", "Range": "bytes=10-109"})
    assert part.status_code == 206 and part.content == data[10:110]
    assert part.headers["Content-Range"] == f"bytes 10-109/{len(data)}"
    tail = cast.bob.request("GET", f"/files/{f['id']}/content", headers={
        "Authorization": f"Bearer {cast.bob.token}", "Range": "bytes=-16"})
    assert tail.status_code == 206 and tail.content == data[-16:]
    for outsider in (cast.olga, cast.gus):
        denied = outsider.request("GET", f"/files/{f['id']}/content", headers={
            "Authorization": f"Bearer {outsider.token}", "Range": "bytes=0-99"})
        assert denied.status_code == 404 and error_code(denied) == "not_found"


def test_only_people_who_can_read_the_conversation_can_read_its_files(cast: Cast) -> None:
    private = cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": "board", "private": True})
    f = share(cast.alice, private["id"], "minutes.pdf", samples.pdf(["board minutes walrus"]))["files"][0]
    wait_preview(cast.alice, f["id"])
    paths = [f"/files/{f['id']}", f"/files/{f['id']}/content", f"/files/{f['id']}/thumbnail"]
    for person in (cast.bob, cast.gus, cast.olga):
        for path in paths:
            r = person.request("GET", path)
            assert r.status_code == 404 and error_code(r) == "not_found", (person.user["username"], path)
        r = person.request("DELETE", f"/files/{f['id']}")
        assert r.status_code == 404
        assert person.request("GET", f"/channels/{private['id']}/files").status_code == 404
        found = person.get(f"/workspaces/{cast.acme.id}/files/search?q=walrus") if person is not cast.olga else None
        assert found is None or found["results"] == []
    assert cast.olga.request("GET", f"/workspaces/{cast.acme.id}/files").status_code == 404

    # Invited into the channel, Bob can read it.
    cast.alice.post(f"/channels/{private['id']}/members", {"user_id": cast.bob.user["id"]})
    assert cast.bob.request("GET", paths[1]).content.startswith(b"%PDF-")
    # Without credentials nobody can, and a made-up id is as unknown as a real one.
    assert requests.get(cast.server_url + "/api/v1" + paths[1], timeout=10).status_code == 401
    assert cast.alice.request("GET", "/files/notARealFileId123/content").status_code == 404


def test_an_upload_not_yet_sent_is_visible_to_its_uploader_only(cast: Cast) -> None:
    f = upload(cast.alice, cast.acme.general_id, ("draft.txt", b"draft")).json()["files"][0]
    assert f["message_id"] is None
    assert cast.alice.request("GET", f"/files/{f['id']}/content").content == b"draft"
    assert cast.bob.request("GET", f"/files/{f['id']}/content").status_code == 404
    assert all(x["id"] != f["id"] for x in cast.alice.get(f"/channels/{cast.acme.general_id}/files")["files"])


def test_files_panels_list_newest_first_with_filters(cast: Cast) -> None:
    channel = cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": "design"})
    cast.bob.post(f"/channels/{channel['id']}/join")
    shared = [share(cast.alice, channel["id"], "one.pdf", samples.pdf(["one"]))["files"][0],
              share(cast.bob, channel["id"], "two.png", samples.png(color="navy"))["files"][0],
              share(cast.alice, channel["id"], "three.txt", b"three")["files"][0]]
    listed = cast.bob.get(f"/channels/{channel['id']}/files")
    assert [f["id"] for f in listed["files"]] == [f["id"] for f in reversed(shared)] and not listed["has_more"]
    assert [f["name"] for f in cast.bob.get(f"/channels/{channel['id']}/files?kind=pdf")["files"]] == ["one.pdf"]
    by_bob = cast.alice.get(f"/channels/{channel['id']}/files?user_id={cast.bob.user['id']}")["files"]
    assert [f["name"] for f in by_bob] == ["two.png"]
    page = cast.bob.get(f"/channels/{channel['id']}/files?limit=2")
    assert len(page["files"]) == 2 and page["has_more"]
    rest = cast.bob.get(f"/channels/{channel['id']}/files?limit=2&before={page['files'][-1]['position']}")
    assert [f["name"] for f in rest["files"]] == ["one.pdf"] and not rest["has_more"]

    workspace = cast.bob.get(f"/workspaces/{cast.acme.id}/files?limit=200")["files"]
    assert {f["id"] for f in shared} <= {f["id"] for f in workspace}
    # The guest sees none of it: the channel is not theirs.
    assert not {f["id"] for f in shared} & {f["id"] for f in cast.gus.get(f"/workspaces/{cast.acme.id}/files")["files"]}
    bad = cast.bob.request("GET", f"/channels/{channel['id']}/files?kind=spreadsheet")
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "kind"


def test_search_finds_files_by_name_and_by_words_inside_pdfs(cast: Cast) -> None:
    message = share(cast.alice, cast.acme.general_id, "Quarterly Report.pdf",
                    samples.pdf(["Revenue grew in the archipelago region", "Costs fell"]), "Q3 numbers")
    wait_preview(cast.alice, message["files"][0]["id"])
    for q in ("ARCHIPELAGO", "quarterly report"):
        results = cast.bob.get(f"/workspaces/{cast.acme.id}/files/search?q={q}")["results"]
        assert [r["file"]["id"] for r in results] == [message["files"][0]["id"]], q
        assert results[0]["message"]["id"] == message["id"] and results[0]["message"]["body"] == "Q3 numbers"
    hit = cast.bob.get(f"/workspaces/{cast.acme.id}/files/search?q=archipelago")["results"][0]
    assert "archipelago region" in hit["snippet"]
    # Wildcards are plain characters, and other workspaces never see the file.
    assert cast.bob.get(f"/workspaces/{cast.acme.id}/files/search?q=%25%25%25")["results"] == []
    assert cast.olga.request("GET", f"/workspaces/{cast.acme.id}/files/search?q=archipelago").status_code == 404
    assert cast.olga.get(f"/workspaces/{cast.globex.id}/files/search?q=archipelago")["results"] == []


def test_deleting_the_message_removes_its_files_for_everyone(cast: Cast, server: Server) -> None:
    data = samples.pdf([f"unique content {time.time_ns()}"])
    message = share(cast.bob, cast.acme.general_id, "gone.pdf", data, "oops")
    f = message["files"][0]
    wait_preview(cast.bob, f["id"])
    blob = next(uploads_dir(server).glob("blobs/*/*/*"), None)
    assert blob is not None
    cast.bob.call("DELETE", f"/messages/{message['id']}")
    for person in (cast.alice, cast.bob):
        assert person.request("GET", f"/files/{f['id']}/content").status_code == 404
    assert all(x["id"] != f["id"] for x in cast.alice.get(f"/workspaces/{cast.acme.id}/files?limit=200")["files"])
    assert not any(p.read_bytes() == data for p in uploads_dir(server).glob("blobs/*/*/*"))


def test_the_same_content_is_stored_once_and_kept_while_anyone_still_shares_it(cast: Cast, server: Server) -> None:
    data = samples.pdf([f"shared twice {time.time_ns()}"])
    first = share(cast.alice, cast.acme.general_id, "a.pdf", data)["files"][0]
    second = share(cast.bob, cast.acme.general_id, "b.pdf", data)["files"][0]
    assert first["id"] != second["id"]
    copies = [p for p in uploads_dir(server).glob("blobs/*/*/*") if p.read_bytes() == data]
    assert len(copies) == 1
    # Admins can delete anyone's file; the other person's copy stays readable.
    assert cast.alice.call("DELETE", f"/files/{second['id']}")["message_deleted"] is True
    assert cast.bob.request("GET", f"/files/{first['id']}/content").content == data
    assert cast.bob.request("GET", f"/files/{second['id']}").status_code == 404
    # A member cannot delete someone else's file.
    r = cast.bob.request("DELETE", f"/files/{first['id']}")
    assert r.status_code == 403 and error_code(r) == "not_uploader"
    cast.alice.call("DELETE", f"/files/{first['id']}")
    assert not any(p.read_bytes() == data for p in uploads_dir(server).glob("blobs/*/*/*"))


def test_deleting_one_file_of_several_keeps_the_message(cast: Cast) -> None:
    ids = [f["id"] for f in upload(cast.alice, cast.acme.general_id, ("x.txt", b"x"), ("y.txt", b"y")).json()["files"]]
    message = cast.alice.post(f"/channels/{cast.acme.general_id}/messages", {"file_ids": ids})
    with connected(cast.bob) as sock:
        assert cast.alice.call("DELETE", f"/files/{ids[0]}")["message_deleted"] is False
        updated = sock.wait_for("message.updated", lambda e: e["data"]["id"] == message["id"])
    assert [f["id"] for f in updated["data"]["files"]] == ids[1:]


def test_the_type_comes_from_the_content_not_the_name(cast: Cast) -> None:
    r = upload(cast.alice, cast.acme.general_id, ("invoice.pdf", b"this is not a pdf at all\n"),
               ("photo.png", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
               ("page.html", b"<html><script>alert(document.cookie)</script></html>"),
               ("real.dat", samples.png()))
    assert r.status_code == 201
    fake_pdf, fake_png, html, real = r.json()["files"]
    assert (fake_pdf["kind"], fake_pdf["content_type"], fake_pdf["preview"]["state"]) == ("other", "text/plain", "none")
    assert (fake_png["kind"], fake_png["preview"]["state"]) == ("other", "none")
    assert (real["kind"], real["content_type"]) == ("image", "image/png")
    for f in (fake_pdf, fake_png, html):
        served = cast.alice.request("GET", f"/files/{f['id']}/content")
        assert served.status_code == 200
        assert served.headers["Content-Disposition"].startswith("attachment")
        assert served.headers["Content-Type"].split(";")[0] in ("text/plain", "application/octet-stream")
        assert "sandbox" in served.headers["Content-Security-Policy"]
        assert served.headers["X-Content-Type-Options"] == "nosniff"
    image = cast.alice.request("GET", f"/files/{real['id']}/content")
    assert image.headers["Content-Type"] == "image/png" and image.headers["Content-Disposition"].startswith("inline")
    download = cast.alice.request("GET", f"/files/{real['id']}/content?download=1")
    assert download.headers["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize(("name", "data"), [
    ("truncated.pdf", samples.pdf(["cut short"])[:200]),
    ("locked.pdf", samples.pdf(["secret"], encrypted=True)),
    ("bomb.png", samples.png_bomb()),
    ("broken.png", samples.png()[:100]),
], ids=["truncated-pdf", "encrypted-pdf", "decompression-bomb", "truncated-image"])
def test_broken_or_hostile_files_get_a_card_without_preview(cast: Cast, name: str, data: bytes) -> None:
    f = share(cast.alice, cast.acme.general_id, name, data)["files"][0]
    assert f["preview"]["state"] == "pending"
    done = wait_preview(cast.alice, f["id"])
    assert done["preview"]["state"] == "failed" and done["preview"]["thumbnail_url"] is None
    assert cast.alice.request("GET", f"/files/{f['id']}/content").content == data
    assert cast.alice.request("GET", f"/files/{f['id']}/thumbnail").status_code == 404
    # The server is still serving.
    assert cast.alice.get("/me")["id"] == cast.alice.user["id"]


def test_a_pdf_with_thousands_of_pages_is_previewed_within_bounds(cast: Cast) -> None:
    f = share(cast.alice, cast.acme.general_id, "huge.pdf", samples.pdf(["tiny page"] * 5000))["files"][0]
    done = wait_preview(cast.alice, f["id"], timeout=60)
    assert done["preview"]["state"] == "ready" and done["preview"]["page_count"] == 5000


@pytest.mark.parametrize(("name", "code"), [
    ("bad\x07name.txt", "invalid_file_name"),
    ("colour\x1b[31m.txt", "invalid_file_name"),
    ("../", "invalid_file_name"),
], ids=["bell", "escape", "dot-dot"])
def test_bad_file_names_are_refused_and_nothing_is_kept(cast: Cast, name: str, code: str) -> None:
    before = cast.alice.get(f"/workspaces/{cast.acme.id}/storage")
    r = upload(cast.alice, cast.acme.general_id, ("fine.txt", b"fine"), (name, b"data"))
    assert r.status_code == 400 and error_code(r) == code
    assert cast.alice.get(f"/workspaces/{cast.acme.id}/storage") == before


def test_path_separators_leave_only_the_last_part_of_the_name(cast: Cast) -> None:
    r = upload(cast.alice, cast.acme.general_id, ("../../etc/passwd", b"x"), ("C:\\Users\\me\\plan.txt", b"y"))
    assert [f["name"] for f in r.json()["files"]] == ["passwd", "plan.txt"]


def test_empty_files_and_empty_uploads_get_clear_errors(cast: Cast) -> None:
    r = upload(cast.alice, cast.acme.general_id, ("empty.pdf", b""))
    assert r.status_code == 400 and error_code(r) == "empty_file"
    r = cast.alice.request("POST", f"/channels/{cast.acme.general_id}/files", data={"note": "no file"})
    assert r.status_code == 400 and error_code(r) == "no_files"
    r = cast.alice.request("POST", f"/channels/{cast.acme.general_id}/messages", json={"file_ids": "abc"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "file_ids"
    r = cast.alice.request("POST", f"/channels/{cast.acme.general_id}/messages", json={"body": "", "file_ids": []})
    assert r.status_code == 400


def test_admins_set_the_size_limit_and_see_storage_used(cast: Cast, server: Server) -> None:
    ws = cast.alice.post("/workspaces", {"name": "Limits"})
    general = next(c for c in cast.alice.get(f"/workspaces/{ws['id']}/channels")["channels"] if c["is_default"])
    assert ws["max_file_size"] == 100 * 1024 * 1024
    cast.alice.call("PATCH", f"/workspaces/{ws['id']}", {"max_file_size": 1000})
    too_big = upload(cast.alice, general["id"], ("small.txt", b"a" * 1000), ("big.txt", b"b" * 1001))
    assert too_big.status_code == 413 and error_code(too_big) == "file_too_large"
    assert "big.txt" in too_big.json()["error"]["message"]
    usage = cast.alice.get(f"/workspaces/{ws['id']}/storage")
    assert (usage["used_bytes"], usage["file_count"], usage["max_file_size"]) == (0, 0, 1000)
    assert not list((uploads_dir(server) / "tmp").iterdir())  # the failed upload left nothing behind

    upload(cast.alice, general["id"], ("ok.txt", b"a" * 1000))
    assert cast.alice.get(f"/workspaces/{ws['id']}/storage")["used_bytes"] == 1000
    bad = cast.alice.request("PATCH", f"/workspaces/{ws['id']}", json={"max_file_size": 10**15})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "max_file_size"
    # Members see neither the usage nor can they change the limit.
    assert cast.bob.request("GET", f"/workspaces/{cast.acme.id}/storage").status_code == 403
    r = cast.bob.request("PATCH", f"/workspaces/{cast.acme.id}", json={"max_file_size": 10})
    assert r.status_code == 403


def test_guests_and_readers_of_broadcast_channels_cannot_upload_where_they_cannot_post(cast: Cast) -> None:
    news = cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": "news", "broadcast": True})
    cast.bob.post(f"/channels/{news['id']}/join")
    r = upload(cast.bob, news["id"], ("x.txt", b"x"))
    assert r.status_code == 403 and error_code(r) == "broadcast_only"
    r = upload(cast.olga, cast.acme.general_id, ("x.txt", b"x"))
    assert r.status_code == 404


def test_a_cookie_session_upload_needs_the_csrf_token(cast: Cast) -> None:
    browser = requests.Session()
    page = browser.get(cast.server_url + "/login", timeout=10).text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    r = browser.post(cast.server_url + "/login", data={"email": cast.alice.email, "password": PASSWORD,
                                                       "csrf_token": token}, allow_redirects=False, timeout=10)
    assert r.status_code in (302, 303)
    url = cast.server_url + f"/api/v1/channels/{cast.acme.general_id}/files"
    r = browser.post(url, files=[("file", ("x.txt", b"x"))], timeout=10)
    assert r.status_code == 400 and error_code(r) == "csrf_failed"
    r = browser.post(url, files=[("file", ("x.txt", b"x"))], headers={"X-CSRFToken": token}, timeout=10)
    assert r.status_code == 201 and r.json()["files"][0]["name"] == "x.txt"


def test_an_upload_cut_off_halfway_leaves_nothing_behind(cast: Cast, server: Server) -> None:
    """The client promises 5 MB, sends 1 MB and hangs up: no file, no row, no temporary bytes."""
    before = cast.alice.get(f"/workspaces/{cast.acme.id}/storage")
    boundary = "cutoff-boundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.bin\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall((f"POST /api/v1/channels/{cast.acme.general_id}/files HTTP/1.1\r\nHost: {host}\r\n"
                      f"Authorization: Bearer {cast.alice.token}\r\n"
                      f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                      f"Content-Length: {5 * 1024 * 1024}\r\n\r\n").encode() + head + os.urandom(1024 * 1024))
        # Hang up, then wait for the server's side of the connection to end: once it has
        # answered or closed, it is done with the request, and whatever it kept is there now.
        conn.shutdown(socket.SHUT_WR)
        conn.settimeout(30)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    assert not answer.startswith(b"HTTP/1.1 2"), answer[:200]
    assert list((uploads_dir(server) / "tmp").iterdir()) == []
    assert cast.alice.get(f"/workspaces/{cast.acme.id}/storage") == before
