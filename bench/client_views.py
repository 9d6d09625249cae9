"""Screenshots of the browser client's main views, before and after a change, and how many pixels differ.

    python bench/client_views.py [--before PATH] [--after PATH] [--views chat,thread,...]

Two checkouts (client_checkouts.py: default before = a worktree of 40bc135, after = this checkout)
each get their own ``python app.py`` and the same data through the REST API, sent to both servers
request by request in turn (so ids match, and times, shown to the minute, match too: seeding waits
for the start of a minute if fewer than 30 seconds of the current one are left):

* people Alice Owner (signed in, the viewer), Bob Member, Carol Designer; workspace "Acme";
* #general with a topic and a dozen messages from all three: one edited, one with reactions
  (two people's 👍 and a 🎉), one with a thread of two replies, one with a small PNG whose preview
  is ready before any screenshot (its thumbnail loaded, then the list scrolled to the newest
  message), read by Alice up to its newest message; #design and #random (unread messages in
  #random, one mentioning Alice).

Views, each from a fresh visit of ``/`` in the same signed-in context (1280x800 unless named
phone: 390x844, device scale 1): ``signin`` (the login page, signed out), ``chat``, ``thread``
(the thread panel open), ``members`` (the channel's members panel), ``files`` (the channel's
files panel), ``create-channel`` and ``profile`` (dialogs), ``workspace-members`` (the admin
dialog), ``phone-chat`` and ``phone-sidebar``. Screenshots are of the viewport with animations
disabled, the text caret hidden and the mouse moved to the bottom-left corner, taken again every
250 ms until two in a row are alike (at most 8). They go to
bench/results/screens/<before|after>/<view>.png (not committed), a diff image to
bench/results/screens/diff/<view>.png (differing pixels red over a faded "before"), and per view
the share of pixels that differ at all and by more than 8/255 in a channel (antialiasing), plus
whether the visible ``<time>`` texts match (they come from the servers' clocks: a mismatch there
is the seeding, not the client). JSON: bench/results/client_views-<time>.json.

This machine has no emoji font: the reactions' emoji render as empty boxes, the same in both.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from PIL import Image, ImageChops  # noqa: E402
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from client_checkouts import (  # noqa: E402
    Api,
    CheckoutServer,
    checkout_args,
    describe,
    join,
    launch,
    loadavg,
    prepare_before,
    prepare_client,
    sign_up,
    signed_in_state,
    start_checkout,
)
from harness import RESULTS, now_utc, remove_dir, write_result  # noqa: E402

SCREENS = RESULTS / "screens"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TOLERANCE = 8  # per channel, out of 255: below this a difference is antialiasing, not a change


def png_bytes(color: str) -> bytes:
    import io
    out = io.BytesIO()
    Image.new("RGB", (160, 60), color).save(out, "PNG")
    return out.getvalue()


def seed(urls: list[str]) -> None:
    """The same data into every server, one request to each in turn."""
    def each(step: Callable[[int], Any]) -> list[Any]:
        return [step(i) for i in range(len(urls))]

    alice = each(lambda i: sign_up(urls[i], "Alice Owner", "alice"))
    bob = each(lambda i: sign_up(urls[i], "Bob Member", "bob"))
    carol = each(lambda i: sign_up(urls[i], "Carol Designer", "carol"))
    ws = each(lambda i: alice[i].post("/workspaces", {"name": "Acme"})["id"])
    each(lambda i: join(alice[i], ws[i], bob[i]))
    each(lambda i: join(alice[i], ws[i], carol[i]))
    general = each(lambda i: next(c["id"] for c in alice[i].call("GET", f"/workspaces/{ws[i]}/channels")["channels"]
                                  if c["is_default"]))
    design = each(lambda i: alice[i].post(f"/workspaces/{ws[i]}/channels", {"name": "design"})["id"])
    random_ = each(lambda i: alice[i].post(f"/workspaces/{ws[i]}/channels", {"name": "random"})["id"])
    for people, channel in ((bob, design), (carol, design), (bob, random_), (carol, random_)):
        each(lambda i, people=people, channel=channel: people[i].post(f"/channels/{channel[i]}/join"))
    each(lambda i: alice[i].call("PATCH", f"/channels/{general[i]}", {"topic": "Company-wide news and questions"}))

    def say(who: list[Api], channel: list[int], body: str, **extra: Any) -> list[dict[str, Any]]:
        return each(lambda i: who[i].post(f"/channels/{channel[i]}/messages", {"body": body, **extra}))

    say(alice, general, "Good morning everyone! The release notes for 2.4 are in the shared folder.")
    say(bob, general, "Thanks Alice. I went through them: the migration section needs one more example.")
    say(bob, general, "Also, the changelog link in the footer is broken.")
    edited = say(carol, general, "I can draw the diagram for the migration section today.")
    each(lambda i: carol[i].call("PATCH", f"/messages/{edited[i]['id']}",
                                 {"body": "I can draw the diagram for the migration section this afternoon."}))
    root = say(alice, general, "Who can review the upgrade guide before Thursday?")
    each(lambda i: bob[i].post(f"/channels/{general[i]}/messages",
                               {"body": "I can take the first half.", "thread_root_id": root[i]["id"]}))
    each(lambda i: carol[i].post(f"/channels/{general[i]}/messages",
                                 {"body": "And I the second, after the diagram.", "thread_root_id": root[i]["id"]}))
    liked = say(bob, general, "The staging server is back up, deploys work again.")
    each(lambda i: alice[i].post(f"/messages/{liked[i]['id']}/reactions", {"emoji": "👍"}))
    each(lambda i: carol[i].post(f"/messages/{liked[i]['id']}/reactions", {"emoji": "👍"}))
    each(lambda i: carol[i].post(f"/messages/{liked[i]['id']}/reactions", {"emoji": "🎉"}))
    image = png_bytes("teal")
    uploaded = each(lambda i: carol[i].call("POST", f"/channels/{general[i]}/files",
                                            files=[("file", ("palette.png", image, "image/png"))])["files"][0])
    each(lambda i: carol[i].post(f"/channels/{general[i]}/messages",
                                 {"body": "Here is the new palette for the docs site.",
                                  "file_ids": [uploaded[i]["id"]]}))
    say(alice, general, "Lovely. Let's use it for the release announcement too.")
    last = say(bob, general, "Sounds good to me.")
    # Read up to here: otherwise whether a view shows the "new messages" line depends on whether
    # an earlier visit's read position reached the server in time.
    each(lambda i: alice[i].post(f"/channels/{general[i]}/read", {"message_id": last[i]["id"]}))
    say(carol, design, "Mock-ups for the settings page are ready for comments.")
    say(bob, random_, "Lunch at noon?")
    say(carol, random_, "@alice are you joining us?")
    # The file's preview is made in the background: wait until both servers have it.
    deadline = time.monotonic() + 60
    for i in range(len(urls)):
        while carol[i].call("GET", f"/files/{uploaded[i]['id']}")["preview"]["state"] == "pending":
            if time.monotonic() > deadline:
                raise RuntimeError("file preview not ready after 60 s")
            time.sleep(0.2)


# --- the views --------------------------------------------------------------------------------

def open_chat(page: Page, url: str) -> None:
    page.goto(url + "/")
    expect(page.locator("body[data-ready='true']")).to_be_attached(timeout=30_000)
    expect(page.get_by_test_id("connection-banner")).to_be_hidden()
    expect(page.locator("#messages [data-testid='message']")).to_have_count(9)
    expect(page.get_by_test_id("history-start")).to_be_attached()
    card = page.get_by_test_id("file-card")
    expect(card).to_have_attribute("data-preview-state", "ready")
    wait_images(page)
    # The thumbnail may arrive after the client scrolled to the newest message: where the list
    # stops would then depend on timing. Show the newest messages, as a person arriving would.
    page.eval_on_selector("#messages", "el => { el.scrollTop = el.scrollHeight; }")


def wait_images(page: Page) -> None:
    page.wait_for_function("() => [...document.images].every((img) => img.complete)")
    page.evaluate("() => document.fonts.ready.then(() => true)")


def view_chat(page: Page, url: str) -> None:
    open_chat(page, url)


def view_thread(page: Page, url: str) -> None:
    open_chat(page, url)
    page.locator("#messages [data-testid='message']", has_text="Who can review").get_by_test_id("thread-link").click()
    expect(page.get_by_test_id("thread").get_by_text("And I the second")).to_be_visible()


def view_members(page: Page, url: str) -> None:
    open_chat(page, url)
    page.locator("#conv-header").get_by_role("button", name="Members", exact=True).click()
    expect(page.get_by_test_id("member-list").get_by_test_id("channel-member")).to_have_count(3)


def view_files(page: Page, url: str) -> None:
    open_chat(page, url)
    page.get_by_test_id("files-button").click()
    expect(page.get_by_test_id("files-panel").get_by_test_id("file-item")).to_have_count(1)
    wait_images(page)


def view_create_channel(page: Page, url: str) -> None:
    open_chat(page, url)
    page.get_by_role("button", name="Create a channel").click()
    expect(page.locator("dialog[open]")).to_be_visible()


def view_profile(page: Page, url: str) -> None:
    open_chat(page, url)
    page.get_by_test_id("profile-button").click()
    expect(page.get_by_test_id("profile-dialog")).to_be_visible()
    page.wait_for_load_state("networkidle")


def view_workspace_members(page: Page, url: str) -> None:
    open_chat(page, url)
    page.get_by_test_id("members-link").click()
    expect(page.get_by_test_id("members-dialog").get_by_test_id("admin-member")).to_have_count(3)


def view_phone_sidebar(page: Page, url: str) -> None:
    open_chat(page, url)
    page.get_by_role("button", name="Show conversations").click()
    expect(page.locator("#sidebar")).to_be_visible()
    page.wait_for_timeout(400)  # the drawer's transition, if animations="disabled" does not reach it


def view_signin(page: Page, url: str) -> None:
    page.goto(url + "/login")
    expect(page.get_by_label("Email")).to_be_visible()


VIEWS: dict[str, tuple[Callable[[Page, str], None], dict[str, int], bool]] = {
    # name: (how to get there, viewport, signed in)
    "signin": (view_signin, DESKTOP, False),
    "chat": (view_chat, DESKTOP, True),
    "thread": (view_thread, DESKTOP, True),
    "members": (view_members, DESKTOP, True),
    "files": (view_files, DESKTOP, True),
    "create-channel": (view_create_channel, DESKTOP, True),
    "profile": (view_profile, DESKTOP, True),
    "workspace-members": (view_workspace_members, DESKTOP, True),
    "phone-chat": (view_chat, PHONE, True),
    "phone-sidebar": (view_phone_sidebar, PHONE, True),
}


def shoot(browser: Any, server: CheckoutServer, state: dict[str, Any], name: str) -> dict[str, Any]:
    go, viewport, signed_in = VIEWS[name]
    context = browser.new_context(viewport=viewport, device_scale_factor=1,
                                  storage_state=state if signed_in else None)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda err: errors.append(str(err)))
        go(page, server.url)
        page.mouse.move(4, viewport["height"] - 4)  # off the last clicked control: no hover toolbar
        # Stable: two screenshots 250 ms apart alike (as Playwright's toHaveScreenshot waits), at most 8.
        shot, tries = b"", 0
        while tries < 8:
            page.wait_for_timeout(250)
            again = page.screenshot(animations="disabled", caret="hide")
            tries += 1
            if again == shot:
                break
            shot = again
        path = SCREENS / server.label / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(shot)
        times = page.eval_on_selector_all("time", "els => els.map((e) => e.textContent)")
        return {"png": str(path), "times": times, "page_errors": errors, "screenshots_until_stable": tries,
                "stable": again == shot}
    finally:
        context.close()


def compare(name: str, before: Path, after: Path) -> dict[str, Any]:
    a, b = Image.open(before).convert("RGB"), Image.open(after).convert("RGB")
    if a.size != b.size:
        return {"size_before": a.size, "size_after": b.size, "differ_pct": 100.0, "beyond_tolerance_pct": 100.0}
    diff = ImageChops.difference(a, b)
    channel_max = ImageChops.lighter(ImageChops.lighter(*diff.split()[:2]), diff.split()[2])
    total = a.size[0] * a.size[1]
    histogram = channel_max.histogram()
    differ = total - histogram[0]
    beyond = sum(histogram[TOLERANCE + 1:])
    mask = channel_max.point(lambda v: 255 if v > 0 else 0)
    faded = Image.blend(a, Image.new("RGB", a.size, "white"), 0.7)
    out = SCREENS / "diff" / f"{name}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    Image.composite(Image.new("RGB", a.size, (230, 0, 0)), faded, mask).save(out)
    return {"size": a.size, "pixels": total, "differ": differ, "differ_pct": round(100 * differ / total, 3),
            "beyond_tolerance": beyond, "beyond_tolerance_pct": round(100 * beyond / total, 3),
            "bbox": diff.getbbox(), "diff_png": str(out)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    checkout_args(parser)
    parser.add_argument("--views", default=",".join(VIEWS), help=f"comma-separated, of: {', '.join(VIEWS)}")
    parser.add_argument("--out", help="write the JSON result here (default: bench/results/client_views-<time>.json)")
    args = parser.parse_args()
    views = [v for v in args.views.split(",") if v]
    unknown = set(views) - set(VIEWS)
    if unknown:
        parser.error(f"unknown views: {', '.join(sorted(unknown))}")
    before_root = prepare_before(args.before, args.before_commit)
    after_root = args.after.resolve()
    prepare_client(after_root)
    roots = {"before": before_root, "after": after_root}
    result: dict[str, Any] = {"benchmark": "client_views", "started": now_utc(), "loadavg_start": loadavg(),
                              "checkouts": {k: describe(v) for k, v in roots.items()}, "views": {}}
    folder = Path(tempfile.mkdtemp(prefix="chat-bench-client-views-"))
    servers: dict[str, CheckoutServer] = {}
    try:
        for label, root in roots.items():
            servers[label] = start_checkout(label, root, folder / label)
        if time.localtime().tm_sec > 30:  # the message times are shown to the minute: seed within one
            time.sleep(61 - time.localtime().tm_sec)
        seed([s.url for s in servers.values()])
        with sync_playwright() as p:
            browser = launch(p)
            states = {label: signed_in_state(browser, s.url) for label, s in servers.items()}
            for name in views:
                shots = {label: shoot(browser, servers[label], states[label], name) for label in roots}
                row = compare(name, Path(shots["before"]["png"]), Path(shots["after"]["png"]))
                row["times_match"] = shots["before"]["times"] == shots["after"]["times"]
                row["page_errors"] = {label: shots[label]["page_errors"] for label in roots}
                row["screenshots_until_stable"] = {label: shots[label]["screenshots_until_stable"] for label in roots}
                result["views"][name] = row
                print(f"{name}: {row['differ_pct']}% of pixels differ, {row['beyond_tolerance_pct']}% by more "
                      f"than {TOLERANCE}/255" + ("" if row["times_match"] else " (times differ)"), flush=True)
            browser.close()
    finally:
        for s in servers.values():
            s.stop()
    remove_dir(folder)  # the servers' instance dirs and logs; kept when the run failed
    result["loadavg_end"] = loadavg()
    result["finished"] = now_utc()
    print("\n| view | viewport | pixels differing | by more than 8/255 | times match |"
          " shots until stable (before, after) |"
          "\n|---|---|---|---|---|---|")
    for name, row in result["views"].items():
        viewport = VIEWS[name][1]
        print(f"| {name} | {viewport['width']}x{viewport['height']} | {row['differ_pct']:.3f}% | "
              f"{row['beyond_tolerance_pct']:.3f}% | {'yes' if row['times_match'] else 'no'} | "
              f"{row['screenshots_until_stable']['before']}, {row['screenshots_until_stable']['after']} |")
    print(f"\nscreens in {SCREENS}; written to {write_result('client_views', result, args.out)}")


if __name__ == "__main__":
    main()
