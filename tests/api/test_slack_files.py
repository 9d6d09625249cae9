"""Files through the Slack-compatible Web API: the real slack_sdk ``WebClient.files_upload_v2``
against our server (files.getUploadURLExternal, the bytes POSTed to the upload URL,
files.completeUploadExternal), and files.info; the upload URL's own door
(POST /api/v1/uploads/<ticket>) refusing what it must, with nothing stored.

The cast: Alice owns Acme, Bob is a member; Olga owns Globex. Each test makes its own bot."""
from __future__ import annotations

import io
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from PIL import Image
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.api.helpers import assert_error, history, unique
from tests.api.test_bots import make_bot
from tests.api.test_slack_web_api import TS, client, sid, slack_error
from tests.support import Cast, Person, Server, create_workspace, sign_up, start_server, wait_until
from tests.test_openapi import Contract


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 40), (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


PNG = _png()
TEXT = "build 117: 3 tests failed\n"


@pytest.fixture
def bot(cast: Cast) -> tuple[dict[str, Any], Person, WebClient]:
    made, robot = make_bot(cast.alice, cast.acme.id, unique("Files Bot"))
    return made, robot, client(cast.server_url, robot.token)


@pytest.fixture
def contract(server: Server) -> Contract:
    return Contract(requests.get(server.url + "/api/v1/openapi.json", timeout=10).json())


def our_id(slack_file_id: str) -> str:
    """The REST API's id of a file the Web API names ``F…``."""
    assert slack_file_id.startswith("F")
    return slack_file_id[1:]


def upload_url(web: WebClient, length: int, filename: str = "note.txt") -> tuple[str, str]:
    got = web.files_getUploadURLExternal(filename=filename, length=length)
    return got["upload_url"], got["file_id"]


# --- the way it should go --------------------------------------------------------------------------

def test_files_upload_v2_shares_a_text_file_and_a_png_in_one_message(cast: Cast, bot: Any) -> None:
    made, robot, web = bot
    general = sid("C", cast.acme.general_id)
    socket = cast.bob.socket()
    try:
        done = web.files_upload_v2(channel=general, initial_comment="the nightly report", file_uploads=[
            {"content": TEXT, "filename": "report.txt", "title": "Nightly report"},
            {"file": PNG, "filename": "chart.png"}])
        live = socket.wait_for("message.created", lambda e: e["data"]["author"]["id"] == made["id"])["data"]
    finally:
        socket.close()
    shared = done["files"]
    assert [f["name"] for f in shared] == ["report.txt", "chart.png"]
    assert [f["title"] for f in shared] == ["Nightly report", "chart.png"]  # slack_sdk's title defaults to the name
    assert [f["mimetype"] for f in shared] == ["text/plain", "image/png"]
    assert [f["filetype"] for f in shared] == ["text", "png"]
    assert all(f["channels"] == [general] and f["user"] == sid("U", made["id"]) for f in shared)

    # ONE message carries both, with the comment as its text; Bob got it live and in the history.
    assert live["body"] == "the nightly report"
    assert [f["id"] for f in live["files"]] == [our_id(f["id"]) for f in shared]
    stored = history(cast.bob, cast.acme.general_id)["messages"][-1]
    assert stored == live
    text_file, image_file = stored["files"]
    assert (text_file["name"], text_file["size"], text_file["channel_id"]) == ("report.txt", len(TEXT),
                                                                               cast.acme.general_id)
    assert text_file["title"] == "Nightly report" and image_file["kind"] == "image"
    # The bytes, as stored: Bob reads them through the REST API, the bot through url_private.
    assert cast.bob.request("GET", f"/files/{text_file['id']}/content").content == TEXT.encode()
    private = requests.get(shared[1]["url_private"], headers={"Authorization": f"Bearer {robot.token}"}, timeout=20)
    assert private.status_code == 200 and private.content == PNG

    # files.info: Slack's file object, shared in #general by the message the history shows.
    info = web.files_info(file=shared[0]["id"])["file"]
    message_ts = web.conversations_history(channel=general, limit=1)["messages"][0]["ts"]
    assert info["id"] == shared[0]["id"] and info["name"] == "report.txt" and info["title"] == "Nightly report"
    assert info["size"] == len(TEXT) and info["mimetype"] == "text/plain" and info["is_public"] is True
    assert info["url_private"].startswith(cast.server_url + "/api/v1/files/")
    assert info["url_private_download"].endswith("?download=1")
    assert info["shares"]["public"][general][0]["ts"] == message_ts and TS.fullmatch(message_ts)
    # The PNG's preview is made in the background; then files.info gives its thumbnails.
    image = wait_until(lambda: (i := web.files_info(file=shared[1]["id"])["file"]).get("thumb_480") and i,
                       what="the PNG's preview")
    assert image["original_w"] == 64 and image["original_h"] == 40
    assert image["thumb_480_w"] == 64 and image["thumb_480_h"] == 40  # never scaled up
    thumb = requests.get(image["thumb_480"], headers={"Authorization": f"Bearer {robot.token}"}, timeout=20)
    assert thumb.status_code == 200 and thumb.headers["Content-Type"] == "image/webp"
    # Read back, the message shows its files as Slack's clients expect them.
    newest = web.conversations_history(channel=general, limit=1)["messages"][0]
    assert [f["id"] for f in newest["files"]] == [f["id"] for f in shared] and newest["text"] == "the nightly report"


def test_one_file_into_a_thread_and_a_direct_conversation(cast: Cast, bot: Any) -> None:
    made, _robot, web = bot
    general = sid("C", cast.acme.general_id)
    root = web.chat_postMessage(channel=general, text="nightly build")
    done = web.files_upload_v2(channel=general, thread_ts=root["ts"], content="log line\n", filename="build.log")
    assert done["file"]["id"] == done["files"][0]["id"]  # slack_sdk names a single file `file`
    reply = history(cast.bob, cast.acme.general_id, limit=50)["messages"]
    root_message = next(m for m in reply if m["body"] == "nightly build")
    thread = cast.bob.get(f"/messages/{root_message['id']}/thread")["messages"]
    assert [f["name"] for f in thread[-1]["files"]] == ["build.log"] and thread[-1]["body"] == ""
    assert done["file"]["shares"]["public"][general][0]["thread_ts"] == root["ts"]

    # A user id shares in the direct conversation with that person, as chat.postMessage does.
    sent = web.files_upload_v2(channel=sid("U", cast.bob.id), content="for you\n", filename="dm.txt")
    dm = sent["file"]["ims"]
    assert len(dm) == 1 and dm[0].startswith("D") and sent["file"]["is_public"] is False
    bob_sees = cast.bob.get(f"/files/{our_id(sent['file']['id'])}")
    assert bob_sees["message_id"] is not None and bob_sees["uploader"]["id"] == made["id"]


def test_without_a_channel_the_file_stays_private_to_the_uploader(cast: Cast, bot: Any) -> None:
    _made, robot, web = bot
    done = web.files_upload_v2(content=TEXT, filename="draft.txt", title="Draft")
    file_id = done["file"]["id"]
    info = web.files_info(file=file_id)["file"]
    assert info["title"] == "Draft" and info["channels"] == info["groups"] == info["ims"] == [] and "shares" not in info
    own = robot.get(f"/files/{our_id(file_id)}")
    assert own["channel_id"] is None and own["message_id"] is None
    assert_error(cast.bob.request("GET", f"/files/{our_id(file_id)}"), 404, "not_found")
    assert_error(cast.alice.request("GET", f"/files/{our_id(file_id)}/content"), 404, "not_found")  # even the owner
    # Completing is done once: sharing it afterwards is refused, and shares nothing.
    before = len(history(cast.bob, cast.acme.general_id)["messages"])
    with pytest.raises(SlackApiError) as again:
        web.files_completeUploadExternal(files=[{"id": file_id}], channel_id=sid("C", cast.acme.general_id))
    assert again.value.response["error"] == "file_not_found"
    assert "completed already" in again.value.response["response_metadata"]["messages"][0]
    assert len(history(cast.bob, cast.acme.general_id)["messages"]) == before


# --- who may -----------------------------------------------------------------------------------------

def test_a_bot_shares_only_where_it_may_post_and_a_refusal_changes_nothing(cast: Cast, bot: Any) -> None:
    made, robot, web = bot
    secret = cast.bob.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("secret"), "private": True})
    lobby = cast.bob.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("lobby")})
    # Not in the private channel: as if it did not exist. A public one it could join: not_in_channel.
    assert slack_error(web.files_upload_v2, channel=sid("C", secret["id"]), content="x\n",
                       filename="x.txt") == "channel_not_found"
    assert slack_error(web.files_upload_v2, channel=sid("C", lobby["id"]), content="x\n",
                       filename="x.txt") == "not_in_channel"
    assert slack_error(web.files_upload_v2, channel=sid("C", cast.globex.general_id), content="x\n",
                       filename="x.txt") == "channel_not_found"
    assert history(cast.bob, secret["id"])["messages"] == [] and history(cast.bob, lobby["id"])["messages"] == []
    # The refused uploads stay the bot's, unshared, untitled: it may still share one where it may.
    url, file_id = upload_url(web, 3, "late.txt")
    assert requests.post(url, data=b"abc", timeout=20).status_code == 200
    with pytest.raises(SlackApiError):
        web.files_completeUploadExternal(files=[{"id": file_id, "title": "Late"}], channel_id=sid("C", secret["id"]))
    assert robot.get(f"/files/{our_id(file_id)}")["title"] is None  # the refused completion changed nothing
    assert_error(cast.bob.request("GET", f"/files/{our_id(file_id)}"), 404, "not_found")
    web.conversations_join(channel=sid("C", lobby["id"]))
    shared = web.files_completeUploadExternal(files=[{"id": file_id, "title": "Late"}],
                                              channel_id=sid("C", lobby["id"]))
    assert shared["files"][0]["title"] == "Late"
    assert history(cast.bob, lobby["id"])["messages"][-1]["files"][0]["title"] == "Late"
    # Once added to the private channel, the bot shares there too.
    cast.bob.post(f"/channels/{secret['id']}/members", {"user_id": made["id"]})
    web.files_upload_v2(channel=sid("C", secret["id"]), content="now\n", filename="now.txt")
    assert [f["name"] for f in history(cast.bob, secret["id"])["messages"][-1]["files"]] == ["now.txt"]


def test_a_file_is_read_only_by_those_who_may_read_its_conversation(cast: Cast, bot: Any) -> None:
    _made, robot, web = bot
    secret = cast.bob.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("secret"), "private": True})
    bob_web = client(cast.server_url, cast.bob.token)
    in_secret = bob_web.files_upload_v2(channel=sid("C", secret["id"]), content="bob's plan\n", filename="plan.txt")
    secret_file = in_secret["file"]["id"]
    assert in_secret["file"]["groups"] == [sid("C", secret["id"])]
    in_general = web.files_upload_v2(channel=sid("C", cast.acme.general_id), content="hi\n", filename="hi.txt")
    general_file = in_general["file"]["id"]

    # The bot is not in Bob's private channel: it cannot read the file there, exactly as one that never existed.
    unknown = "F" + "A" * 24
    assert slack_error(web.files_info, file=secret_file) == "file_not_found"
    refused = requests.post(f"{cast.server_url}/api/files.info", data={"file": secret_file},
                            headers={"Authorization": f"Bearer {robot.token}"}, timeout=20).json()
    never = requests.post(f"{cast.server_url}/api/files.info", data={"file": unknown},
                          headers={"Authorization": f"Bearer {robot.token}"}, timeout=20).json()
    assert refused == never == {"ok": False, "error": "file_not_found"}

    # Another workspace's bot and owner: not found, whatever they try, with no hint.
    _globex_bot, globex_robot = make_bot(cast.olga, cast.globex.id, unique("Globex Bot"))
    olga_web = client(cast.server_url, globex_robot.token)
    for file_id in (general_file, secret_file):
        assert slack_error(olga_web.files_info, file=file_id) == "file_not_found"
        assert slack_error(olga_web.files_completeUploadExternal, files=[{"id": file_id}],
                           channel_id=sid("C", cast.globex.general_id)) == "file_not_found"
        assert_error(cast.olga.request("GET", f"/files/{our_id(file_id)}"), 404, "not_found")
        assert_error(cast.olga.request("GET", f"/files/{our_id(file_id)}/content"), 404, "not_found")
    assert history(cast.olga, cast.globex.general_id)["messages"] == []
    # An upload of Acme's bot, not completed yet, cannot be completed by Globex's either.
    url, pending = upload_url(web, 2)
    assert requests.post(url, data=b"ok", timeout=20).status_code == 200
    assert slack_error(olga_web.files_completeUploadExternal, files=[{"id": pending}]) == "file_not_found"
    assert web.files_completeUploadExternal(files=[{"id": pending}])["files"][0]["id"] == pending


def test_an_upload_urls_file_is_shared_only_in_its_own_workspace(cast: Cast) -> None:
    """Alice is in Acme and in a workspace of her own; her token acts in the one ``team_id`` names.
    A file uploaded for Acme cannot be sent into her other workspace, by either door."""
    other = create_workspace(cast.alice, "Elsewhere")
    web = client(cast.server_url, cast.alice.token)
    acme_team = sid("T", cast.acme.id)
    got = web.files_getUploadURLExternal(filename="acme.txt", length=4, team_id=acme_team)
    assert requests.post(got["upload_url"], data=b"acme", timeout=20).status_code == 200
    file_id = got["file_id"]
    elsewhere = sid("C", other.general_id)
    assert slack_error(web.files_completeUploadExternal, files=[{"id": file_id}], channel_id=elsewhere,
                       team_id=sid("T", other.id)) == "file_not_found"
    assert slack_error(web.files_info, file=file_id, team_id=sid("T", other.id)) == "file_not_found"
    assert_error(cast.alice.request("POST", f"/channels/{other.general_id}/messages",
                                    json={"body": "", "file_ids": [our_id(file_id)]}), 404, "file_not_found")
    assert history(cast.alice, other.general_id)["messages"] == []
    # In Acme, the REST API's send takes it like any upload of hers.
    sent = cast.alice.post(f"/channels/{cast.acme.general_id}/messages", {"body": "", "file_ids": [our_id(file_id)]})
    assert [f["id"] for f in sent["files"]] == [our_id(file_id)]
    assert sent["files"][0]["channel_id"] == cast.acme.general_id


# --- the upload URL ------------------------------------------------------------------------------------

def test_an_upload_url_takes_one_file_of_its_length_and_refusals_store_nothing(
        cast: Cast, bot: Any, contract: Contract) -> None:
    _made, robot, web = bot
    path = "/uploads/{ticket}"

    def post(url: str, **kwargs: Any) -> requests.Response:
        return requests.post(url, timeout=20, **kwargs)

    url, file_id = upload_url(web, 5)
    assert url.startswith(cast.server_url + "/api/v1/uploads/") and file_id.startswith("F")
    # Shorter or longer than declared: refused, nothing kept, and the URL still takes the right body.
    for body, status, code in ((b"123", 400, "length_mismatch"), (b"123456", 413, "file_too_large"),
                               (b"", 400, "length_mismatch")):
        refused = post(url, data=body)
        assert_error(refused, status, code)
        contract.response(refused, "POST", path)
        assert slack_error(web.files_info, file=file_id) == "file_not_found"
    # A body without a length (chunked) past the declared length is cut off and refused too.
    assert_error(post(url, data=iter([b"12", b"3456789"])), 413, "file_too_large")
    # A made-up or altered ticket names nothing.
    ticket = url.rsplit("/", 1)[1]
    for forged in (ticket[:-1] + ("A" if ticket[-1] != "A" else "B"), "A" + ticket[1:], "x.y", ticket + "x"):
        assert_error(post(f"{cast.server_url}/api/v1/uploads/{forged}", data=b"12345"), 404, "not_found")
    assert slack_error(web.files_info, file=file_id) == "file_not_found"

    kept = post(url, data=b"12345")
    assert kept.status_code == 200, kept.text
    assert contract.response(kept, "POST", path)["id"] == our_id(file_id)
    # Used once: a second upload to the same URL, with the same or other bytes, is refused.
    for body in (b"12345", b"54321"):
        used = post(url, data=body)
        assert_error(used, 409, "upload_url_used")
        contract.response(used, "POST", path)
    assert robot.request("GET", f"/files/{our_id(file_id)}/content").content == b"12345"
    # Sent several times at once, one upload wins and the others are told the URL was used.
    url, file_id = upload_url(web, 6)
    with ThreadPoolExecutor(4) as pool:
        statuses = sorted(pool.map(lambda body: post(url, data=body).status_code,
                                   [b"racer%d" % i for i in range(4)]))
    assert statuses == [200, 409, 409, 409]
    assert robot.request("GET", f"/files/{our_id(file_id)}/content").content.startswith(b"racer")

    # curl's multipart form (-F filename=@file) works too; a form without one file part is refused.
    url, file_id = upload_url(web, 4)
    assert_error(post(url, files={"filename": (None, "abcd")}), 400, "invalid")
    assert_error(post(url, files={"a": ("a.txt", b"abcd"), "b": ("b.txt", b"abcd")}), 400, "invalid")
    assert post(url, files={"filename": ("whatever.bin", b"abcd")}).status_code == 200
    assert web.files_info(file=file_id)["file"]["name"] == "note.txt"  # the name given for the URL


def test_the_upload_url_methods_answer_slacks_errors(cast: Cast, bot: Any) -> None:
    _made, robot, web = bot
    assert slack_error(web.files_getUploadURLExternal, filename="", length=3) == "invalid_arguments"
    for length in (0, -1, "many"):
        assert slack_error(web.files_getUploadURLExternal, filename="a.txt", length=length) == "invalid_arguments"
    assert slack_error(web.files_getUploadURLExternal, filename="a.txt", length=3,
                       alt_txt="x" * 1001) == "alt_txt_too_large"
    assert slack_error(web.files_getUploadURLExternal, filename="a\x00.txt", length=3) == "invalid_arguments"
    # Larger than the workspace allows: Slack's file_upload_size_restricted, before any byte is sent.
    cast.alice.call("PATCH", f"/workspaces/{cast.acme.id}", {"max_file_size": 1000})
    assert slack_error(web.files_getUploadURLExternal, filename="big.bin", length=1001) == "file_upload_size_restricted"
    assert slack_error(web.files_upload_v2, content="x" * 1001, filename="big.txt",
                       channel=sid("C", cast.acme.general_id)) == "file_upload_size_restricted"
    # A URL made before the limit was lowered no longer takes a file over it.
    cast.alice.call("PATCH", f"/workspaces/{cast.acme.id}", {"max_file_size": None})
    url, file_id = upload_url(web, 2000)
    cast.alice.call("PATCH", f"/workspaces/{cast.acme.id}", {"max_file_size": 1000})
    assert_error(requests.post(url, data=b"x" * 2000, timeout=20), 413, "file_too_large")
    assert slack_error(web.files_info, file=file_id) == "file_not_found"

    # Without a token, or with a wrong one.
    assert slack_error(WebClient(base_url=f"{cast.server_url}/api/").files_getUploadURLExternal,
                       filename="a.txt", length=1) == "not_authed"
    assert slack_error(client(cast.server_url, "xoxb-not-ours").files_getUploadURLExternal,
                       filename="a.txt", length=1) == "invalid_auth"

    # completeUploadExternal: malformed or missing files, unknown ids, a file twice, several channels.
    def complete(**data: Any) -> dict[str, Any]:
        return requests.post(f"{cast.server_url}/api/files.completeUploadExternal", data=data, timeout=20,
                             headers={"Authorization": f"Bearer {robot.token}"}).json()

    url, file_id = upload_url(web, 1)
    assert requests.post(url, data=b"1", timeout=20).status_code == 200
    for files, error in (("[{", "invalid_arguments"), ("", "invalid_arguments"), ("{}", "invalid_arguments"),
                         ('[{"title": "x"}]', "invalid_arguments"), ('[{"id": "Fnope"}]', "file_not_found"),
                         ('[{"id": "nope"}]', "file_not_found"),
                         (json.dumps([{"id": file_id}] * 2), "invalid_arguments"),
                         (json.dumps([{"id": file_id, "title": 7}]), "invalid_arguments")):
        answer = complete(files=files)
        assert answer["ok"] is False and answer["error"] == error, (files, answer)
    two_channels = complete(files=json.dumps([{"id": file_id}]),
                            channels=f"{sid('C', cast.acme.general_id)},{sid('C', cast.acme.general_id + 1)}")
    assert two_channels["error"] == "invalid_arguments"
    malformed_json = requests.post(f"{cast.server_url}/api/files.completeUploadExternal", data="{not json",
                                   headers={"Authorization": f"Bearer {robot.token}",
                                            "Content-Type": "application/json"}, timeout=20).json()
    assert malformed_json == {"ok": False, "error": "invalid_json",
                              "response_metadata": malformed_json["response_metadata"]}
    # None of it touched the file: it is still there to complete.
    assert web.files_completeUploadExternal(files=[{"id": file_id}])["files"][0]["id"] == file_id


@pytest.fixture(scope="module")
def brief_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose upload URLs last one second."""
    srv = start_server(tmp_path_factory.mktemp("brief-upload-urls"), extra_env={"FILE_UPLOAD_URL_SECONDS": "1"})
    yield srv
    srv.stop()


def test_an_upload_url_expires(brief_server: Server) -> None:
    owner = sign_up(brief_server.url, "Owner")
    workspace = create_workspace(owner, "Brief")
    _bot, robot = make_bot(owner, workspace.id, "Brief Bot")
    web = client(brief_server.url, robot.token)
    url, file_id = upload_url(web, 3)
    # A body one byte too long is refused as too long while the URL lives, as expired after:
    # the probe that shows the moment passed without using the URL.
    wait_until(lambda: requests.post(url, data=b"abcd", timeout=20).status_code == 410, timeout=15,
               what="the upload URL to expire")
    assert_error(requests.post(url, data=b"abc", timeout=20), 410, "upload_url_expired")
    assert slack_error(web.files_info, file=file_id) == "file_not_found"
