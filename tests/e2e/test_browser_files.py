"""Sharing files in real browsers against a live server: a PDF dropped on the conversation reaches
the other person live with its thumbnail, page count and in-page viewer, and search finds it by a
word inside it; a pasted image goes out without text; an upload in progress can be cancelled; an
admin lowers the size limit and the composer refuses a larger file early."""
from __future__ import annotations

import base64
import re

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.conftest import sign_in
from tests.files import samples
from tests.support import Server, create_workspace, owner_and_member, sign_up

pytestmark = pytest.mark.browser
PREVIEW_WAIT_MS = 45_000

# Builds a DataTransfer holding one File made from base64 bytes, in the page.
MAKE_TRANSFER = """([b64, name, type]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type }));
  return transfer;
}"""

IMAGE_LOADED = "img => img.complete && img.naturalWidth > 0"


def message(page: Page, text: str):
    return page.locator("#messages [data-testid='message']", has_text=text)


def attachments(page: Page):
    return page.locator("#composer [data-testid='attachment']")


def drop_file(page: Page, data: bytes, name: str, content_type: str) -> None:
    """Drag a file over the conversation and drop it on the drop zone, as a person would."""
    transfer = page.evaluate_handle(MAKE_TRANSFER, [base64.b64encode(data).decode(), name, content_type])
    conversation = page.get_by_test_id("conversation")
    zone = page.get_by_test_id("drop-zone")
    expect(zone).to_be_hidden()
    conversation.dispatch_event("dragenter", {"dataTransfer": transfer})
    conversation.dispatch_event("dragover", {"dataTransfer": transfer})
    expect(zone).to_be_visible()
    zone.dispatch_event("drop", {"dataTransfer": transfer})
    expect(zone).to_be_hidden()


def test_pdf_dropped_in_channel_is_seen_live_previewed_viewed_and_found(server: Server, new_context) -> None:
    alice, bob, _acme = owner_and_member(server.url, "Alice Sharer", "Bob Viewer")
    alice_page = sign_in(new_context(), server.url, alice)
    bob_page = sign_in(new_context(), server.url, bob)
    report = samples.pdf(["Quarterly report: the zebracorn division grew", "Page two", "Page three"])

    drop_file(alice_page, report, "q3-report.pdf", "application/pdf")
    upload = attachments(alice_page)
    expect(upload).to_have_count(1)
    expect(upload).to_contain_text("q3-report.pdf")
    expect(upload).to_have_attribute("data-status", "done")
    alice_page.locator("#composer textarea").fill("The numbers for Q3")
    alice_page.locator("#composer textarea").press("Enter")
    expect(attachments(alice_page)).to_have_count(0)

    # Bob sees the card arrive live, then its thumbnail replace the placeholder.
    card = message(bob_page, "The numbers for Q3").get_by_test_id("file-card")
    expect(card).to_have_count(1)
    expect(card.get_by_test_id("file-name")).to_have_text("q3-report.pdf")
    expect(card).to_contain_text("Alice Sharer")
    # Previews are made in the background: on a server busy with the whole suite they can queue behind others.
    expect(card).to_have_attribute("data-preview-state", "ready", timeout=PREVIEW_WAIT_MS)
    thumbnail = card.get_by_test_id("file-thumbnail")
    expect(thumbnail).to_have_attribute("src", re.compile(r"^/api/v1/files/[\w-]+/thumbnail$"))
    bob_page.wait_for_function(IMAGE_LOADED, arg=thumbnail.element_handle())
    expect(card.get_by_test_id("page-count")).to_have_text("3 pages")
    file_id = card.get_attribute("data-file-id")
    file_url = f"/api/v1/files/{file_id}/content"

    # The viewer: the browser's own PDF viewer in a dialog, served inline; Escape closes it.
    opener = card.get_by_role("button", name="Open q3-report.pdf")
    with bob_page.expect_response(lambda r: r.url.endswith(file_url)) as pdf_response:
        opener.click()
    viewer = bob_page.get_by_test_id("pdf-viewer")
    expect(viewer).to_be_visible()
    expect(viewer.get_by_test_id("pdf-frame")).to_have_attribute("src", file_url)
    response = pdf_response.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    bob_page.keyboard.press("Escape")
    expect(viewer).to_have_count(0)
    expect(opener).to_be_focused()

    # The files panel lists it and filters by type and by person.
    bob_page.get_by_test_id("files-button").click()
    panel = bob_page.get_by_test_id("files-panel")
    expect(panel.get_by_test_id("file-item")).to_have_count(1)
    bob_page.get_by_test_id("files-kind").select_option("image")
    expect(panel.get_by_test_id("files-empty")).to_be_visible()
    bob_page.get_by_test_id("files-kind").select_option("pdf")
    expect(panel.get_by_test_id("file-item")).to_contain_text("q3-report.pdf")
    bob_page.get_by_test_id("files-person").select_option(str(bob.id))
    expect(panel.get_by_test_id("files-empty")).to_be_visible()
    bob_page.get_by_test_id("files-person").select_option(str(alice.id))
    expect(panel.get_by_test_id("file-item")).to_have_count(1)

    # Search finds it by a word inside the PDF and shows the message that shared it.
    search = bob_page.get_by_role("searchbox", name="Search files")
    search.fill("ZEBRACORN")
    search.press("Enter")
    result = panel.get_by_test_id("file-result")
    expect(result).to_have_count(1)
    expect(result.get_by_test_id("file-name")).to_have_text("q3-report.pdf")
    expect(result.get_by_test_id("file-snippet")).to_contain_text("zebracorn division")
    expect(result.locator("mark")).to_have_text("zebracorn")
    search.fill("no-such-word-anywhere")
    search.press("Enter")
    expect(panel.get_by_test_id("files-empty")).to_be_visible()
    search.fill("zebracorn")
    search.press("Enter")
    result.get_by_role("button", name="Show the message that shared q3-report.pdf").click()
    shared = message(bob_page, "The numbers for Q3")
    expect(shared).to_have_class(re.compile(r"\bhighlighted\b"))
    expect(shared).to_be_focused()


def test_upload_can_be_cancelled_and_a_pasted_image_goes_without_text(server: Server, new_context) -> None:
    alice = sign_up(server.url, "Alice Paster")
    acme = create_workspace(alice, "Acme")
    page = sign_in(new_context(), server.url, alice)

    # The first upload is held at the network until it is cancelled; later ones go through.
    held: list[Route] = []

    def hold_first(route: Route) -> None:
        if not held:
            held.append(route)
        else:
            route.continue_()

    page.route("**/api/v1/channels/*/files", hold_first)
    page.get_by_test_id("composer-file-input").set_input_files(
        files=[{"name": "slow.pdf", "mimeType": "application/pdf", "buffer": samples.pdf(["slow"])}])
    upload = attachments(page)
    expect(upload).to_have_attribute("data-status", "uploading")
    expect(upload.get_by_role("progressbar", name="Uploading slow.pdf")).to_be_visible()
    page.locator("#composer textarea").press("Enter")  # nothing goes while an upload runs
    expect(page.get_by_test_id("toast")).to_contain_text("still uploading")
    upload.get_by_role("button", name="Cancel upload of slow.pdf").click()
    expect(attachments(page)).to_have_count(0)
    expect(page.locator("#composer textarea")).to_be_focused()

    # An image pasted from the clipboard becomes an attachment and goes out with no text.
    page.locator("#composer textarea").evaluate(
        """(box, b64) => {
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          const transfer = new DataTransfer();
          transfer.items.add(new File([bytes], 'image.png', { type: 'image/png' }));
          box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }));
        }""", base64.b64encode(samples.png(320, 200, "orange")).decode())
    expect(attachments(page)).to_have_attribute("data-status", "done")
    expect(attachments(page)).to_contain_text("image.png")
    page.locator("#composer textarea").press("Enter")
    expect(attachments(page)).to_have_count(0)
    card = page.locator("#messages [data-testid='file-card']")
    expect(card).to_have_count(1)
    expect(card.get_by_test_id("file-name")).to_have_text("image.png")
    expect(card).to_contain_text("PNG")
    thumbnail = card.get_by_test_id("file-thumbnail")
    expect(thumbnail).to_be_visible(timeout=PREVIEW_WAIT_MS)
    page.wait_for_function(IMAGE_LOADED, arg=thumbnail.element_handle())

    # The image opens full size in a dialog.
    card.get_by_role("button", name="Open image.png").click()
    full = page.get_by_test_id("image-viewer").get_by_test_id("lightbox-image")
    expect(full).to_have_attribute("src", re.compile(r"^/api/v1/files/[\w-]+/content$"))
    page.wait_for_function(IMAGE_LOADED, arg=full.element_handle())
    assert full.evaluate("img => img.naturalWidth") == 320
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("image-viewer")).to_have_count(0)

    shared = alice.get(f"/channels/{acme.general_id}/files")["files"]
    assert [f["name"] for f in shared] == ["image.png"]
    assert alice.get(f"/channels/{acme.general_id}/messages")["messages"][-1]["body"] == ""

    # The uploader deletes the file from its card; the message, only that file, goes too.
    page.once("dialog", lambda d: d.accept())
    card.get_by_role("button", name="Delete image.png").click()
    expect(card).to_have_count(0)
    assert alice.get(f"/channels/{acme.general_id}/files")["files"] == []


def test_admin_lowers_the_size_limit_and_the_composer_refuses_early(server: Server, new_context) -> None:
    alice = sign_up(server.url, "Alice Admin")
    acme = create_workspace(alice, "Acme")
    alice.post(f"/channels/{acme.general_id}/messages", {"body": "a file", "file_ids": [
        alice.request("POST", f"/channels/{acme.general_id}/files",
                      files={"file": ("notes.txt", b"x" * 2048)}).json()["files"][0]["id"]]})
    page = sign_in(new_context(), server.url, alice)

    page.get_by_role("button", name="Settings").click()
    dialog = page.get_by_test_id("workspace-settings-dialog")
    expect(dialog.get_by_test_id("storage-usage")).to_contain_text("2.0 KB used by 1 file")
    dialog.get_by_test_id("max-file-size").fill("0.01")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    assert alice.get(f"/workspaces/{acme.id}")["max_file_size"] == 10486

    page.get_by_test_id("composer-file-input").set_input_files(
        files=[{"name": "big.bin", "mimeType": "application/octet-stream", "buffer": b"\0" * 20_000}])
    expect(page.get_by_role("alert").filter(has_text="big.bin")).to_have_text(
        "big.bin is 20 KB; this workspace takes files up to 10 KB.")
    expect(attachments(page)).to_have_count(0)
