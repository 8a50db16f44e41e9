"""The supporters' web pages of `appeal serve` in a real browser (issue 18), run by .ci/browser.sh.

Debian's chromium, headless, with JavaScript off in every context: the pages must work without
it (they carry no script, and the Content-Security-Policy allows none). Six checks:
  1. English: the index, the Juraev action, the form, the preview of her three letters, the PDF
     download read back with pdftotext (her name, the Russian text, each letter from a new page);
  2. Arabic (?lang=ar): right-to-left pages, an Arabic name, Arabic letters, the PDF read back;
  3. "send them by email for me": the confirmation mail read from the SMTP test server's folder,
     its link opened and its button pressed: her messages queued in the outbox once; a second
     press says the link was used and queues nothing;
  4. the keyboard alone (Tab, typing, Enter) fills and submits the form;
  5. a narrow screen (320px): with the longest Arabic country name chosen, no field runs off it;
  6. full-page screenshots of the index and the action page in en and ar.

usage: browser.py URL PROJECT RECEIVED OUT
  URL       where `appeal serve` listens (http://127.0.0.1:PORT)
  PROJECT   its project folder (the outbox is PROJECT/outbox)
  RECEIVED  the folder where .ci/smtp_faults.py stores the messages it receives
  OUT       where the PDFs and screenshots go
"""

import os
import re
import subprocess
import sys
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

URL, PROJECT, RECEIVED, OUT = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ACTION = "juraev-2011"
# Her address on two lines: a hidden field of the preview must carry the line break to the PDF.
EVA = {
    "name": "Eva Muster",
    "address": "Hauptstraße 1\nHinterhaus",
    "postcode": "10115",
    "city": "Berlin",
    "country": "DE",
}
LAILA = {
    "name": "ليلى أحمد",
    "address": "شارع النيل ٥",
    "postcode": "10115",
    "city": "Berlin",
    "country": "DE",
}


class Failed(Exception):
    pass


def check(ok, what):
    if not ok:
        raise Failed(what)


def step(title):
    print(f"-- {title} ({time.strftime('%T')})", flush=True)


def outbox(state):
    folder = PROJECT / "outbox" / state
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def no_script(page: Page):
    """The page works without JavaScript: it has none to run."""
    check(page.locator("script").count() == 0, f"a <script> in {page.url}")


def context(browser, **options):
    """A browser context with JavaScript off, whose waits fail within seconds, not minutes."""
    ctx = browser.new_context(java_script_enabled=False, **options)
    ctx.set_default_timeout(10_000)
    return ctx


def javascript_is_off(browser):
    """The contexts below really run no script: a script that would set the title does not."""
    ctx = context(browser)
    page = ctx.new_page()
    page.set_content("<title>off</title><script>document.title = 'on'</script>")
    check(page.title() == "off", "JavaScript runs in a context made with java_script_enabled=False")
    ctx.close()


def open_action(page: Page, lang):
    """The index in `lang`, then the Juraev action by its link, as a supporter gets there."""
    page.goto(f"{URL}/?lang={lang}")
    no_script(page)
    page.locator(f'.actions a[href^="/action/{ACTION}?"]').click()
    expect(page).to_have_url(re.compile(rf"/action/{ACTION}\?lang={lang}$"))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    no_script(page)


def fill(page: Page, who, lang, email=None):
    page.fill("#name", who["name"])
    page.fill("#address", who["address"])
    page.fill("#postcode", who["postcode"])
    page.fill("#city", who["city"])
    page.select_option("#country", who["country"])
    page.select_option("#lang", lang)
    if email:
        page.fill("#email", email)


def preview(page: Page, lang, name):
    """Submits the form; the preview shows each letter, in `lang`, signed with `name`."""
    page.locator('form button[type="submit"]').click()
    expect(page).to_have_url(re.compile(rf"/action/{ACTION}/preview"))
    no_script(page)
    letters = page.locator("section.letter pre")
    texts = letters.all_inner_texts()
    check(len(texts) > 0, "the preview shows no letter")
    for i in range(len(texts)):
        expect(letters.nth(i)).to_have_attribute("lang", lang)
        check(name in texts[i], f"letter {i + 1} of the preview is not signed {name}")
    return texts


def pdftotext(path):
    """The PDF's text by poppler, pages split at form feeds, without the bidi controls that
    poppler puts around right-to-left lines and the left-to-right runs in them."""
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return re.sub("[\u202a-\u202e\u2066-\u2069]", "", text).split("\f")


def words(text):
    return " ".join(text.split())


def download_pdf(page: Page, label, stem):
    with page.expect_download() as info:
        page.get_by_role("button", name=label).click()
    download = info.value
    check(download.suggested_filename == f"{ACTION}-letters.pdf", f"the PDF is named {download.suggested_filename}")
    path = OUT / f"{stem}.pdf"
    download.save_as(path)
    check(path.read_bytes().startswith(b"%PDF-"), f"{path} is not a PDF")
    return path


def addressee(letter):
    """The first line of the letter's address block: after her own address and a blank line."""
    return letter.strip().split("\n\n", 1)[1].strip().splitlines()[0]


def starts_letter(page, to, lines=12):
    """Whether a line at the top of the page (among the return line, both address blocks and the
    date, in whichever order poppler reads them: the sender's block first on a right-to-left
    page) begins the address `to`, maybe wrapped over lines."""
    top = [line for line in page.splitlines() if line.strip()][:lines]
    return any(words(" ".join(top[i : i + 3])).startswith(to) for i in range(len(top)))


def check_pdf(path, letters, name):
    """Each letter of the preview starts a page of the PDF, in order, with its addressee at the
    top; her name is in each letter."""
    pages = pdftotext(path)
    starts = []
    for n, letter in enumerate(letters, 1):
        to = words(addressee(letter))
        at = [i for i, p in enumerate(pages) if starts_letter(p, to)]
        check(len(at) == 1, f"{path}: {len(at)} pages start with letter {n}'s addressee «{to}»")
        starts.append(at[0])
    check(starts == sorted(set(starts)) and starts[0] == 0, f"{path}: the letters start on pages {starts}")
    for n, (start, end) in enumerate(zip(starts, starts[1:] + [len(pages)]), 1):
        check(name in words(" ".join(pages[start:end])), f"{path}: letter {n} is not signed {name}")
    return pages


def english(browser):
    step("English: index, action, form, preview, PDF")
    ctx = context(browser, accept_downloads=True, locale="en-GB")
    page = ctx.new_page()
    open_action(page, "en")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    fill(page, EVA, "ru")
    letters = preview(page, "ru", EVA["name"])
    check(len(letters) == 3, f"{len(letters)} letters in the preview, not 3 (prosecutor, court, embassy)")
    path = download_pdf(page, "Download as PDF (to print)", "en-ru")
    pages = check_pdf(path, letters, EVA["name"])
    text = words(" ".join(pages))
    for russian in ("Генеральному прокурору", "Джураев"):
        check(russian in text, f"{path}: «{russian}» not in the PDF's text")
    check("Hinterhaus" in text, f"{path}: the second line of her address is lost")
    print(f"{path}: {len(letters)} letters on {len(pages) - 1} pages, each from a new page")
    ctx.close()


def arabic(browser):
    step("Arabic: right to left, an Arabic name, Arabic letters, PDF")
    ctx = context(browser, accept_downloads=True, locale="ar")
    page = ctx.new_page()
    open_action(page, "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    fill(page, LAILA, "ar")
    letters = preview(page, "ar", LAILA["name"])
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    for i in range(len(letters)):
        expect(page.locator("section.letter pre").nth(i)).to_have_attribute("dir", "rtl")
    path = download_pdf(page, "تنزيل بصيغة PDF (للطباعة)", "ar-ar")
    pages = check_pdf(path, letters, LAILA["name"])
    check("نظام خان جورايف" in words(" ".join(pages)), f"{path}: the Arabic text of the letters is not there")
    print(f"{path}: {len(letters)} letters on {len(pages) - 1} pages, signed {LAILA['name']}")
    ctx.close()


def confirmation_link(before):
    """The link in the one message received since `before` (the names in RECEIVED)."""
    new = sorted(p for p in RECEIVED.glob("*.eml") if p.name not in before)
    check(len(new) == 1, f"{len(new)} messages received, not one confirmation")
    msg = BytesParser(policy=policy.default).parsebytes(new[0].read_bytes())
    check(msg["To"] and "eva@example.org" in msg["To"], f"the confirmation went to {msg['To']}")
    body = msg.get_body(("plain",)).get_content()
    links = re.findall(r"https?://\S+/confirm/\S+", body)
    check(len(links) == 1, f"{len(links)} confirmation links in the message:\n{body}")
    check(links[0].startswith(URL), f"the link {links[0]} is not on {URL}")
    return links[0]


def check_queued(names):
    """Each queued message (a line of JSON, then the message) goes to another addressee."""
    to = []
    for name in names:
        data = (PROJECT / "outbox" / "ready" / name).read_bytes()
        msg = BytesParser(policy=policy.default).parsebytes(data.split(b"\n", 1)[1])
        to.append(msg["To"].addresses[0].addr_spec)
    print(f"queued to: {to}")
    check(len(set(to)) == len(to), f"two queued messages to one addressee: {to}")


def by_email(browser):
    step("send them by email for me: confirmation mail, link, button, once")
    ctx = context(browser, locale="en-GB")
    page = ctx.new_page()
    open_action(page, "en")
    fill(page, EVA, "ru", email="eva@example.org")
    preview(page, "ru", EVA["name"])
    before = {p.name for p in RECEIVED.glob("*.eml")}
    page.get_by_role("button", name="Send them by email for me").click()
    expect(page.locator(".message")).to_contain_text("We have sent you an email")
    check(outbox("ready") == [], "letters queued before she confirmed")
    link = confirmation_link(before)

    # Opening the link (as a mail scanner would) queues nothing; her button does.
    page.goto(link)
    no_script(page)
    check(outbox("ready") == [], "letters queued by opening the link")
    page.get_by_role("button", name="Yes, send my letters").click()
    expect(page.locator(".message")).to_contain_text("message(s) are in the outbox")
    queued = outbox("ready")
    shown = re.search(r"(\d+) message\(s\)", page.locator(".message").inner_text())
    check(queued and shown and int(shown.group(1)) == len(queued),
          f"the page says {shown and shown.group(0)}, the outbox holds {queued}")
    check_queued(queued)
    print(f"confirmed: {len(queued)} messages queued in outbox/ready, one for each addressee")

    page.goto(link)
    page.get_by_role("button", name="Yes, send my letters").click()
    expect(page.locator(".message")).to_contain_text("used already")
    check(outbox("ready") == queued, f"a second press changed the outbox: {outbox('ready')}")
    check(len(list(RECEIVED.glob("*.eml"))) == len(before) + 1, "more mail than the one confirmation")
    print("a second press: 'used already', nothing more queued")
    ctx.close()


def keyboard(browser):
    step("the keyboard alone: Tab, typing, Enter")
    ctx = context(browser, accept_downloads=True, locale="en-GB")
    page = ctx.new_page()
    page.goto(f"{URL}/action/{ACTION}?lang=en")
    kb = page.keyboard
    kb.press("Tab")
    expect(page.locator("a.skip")).to_be_focused()
    kb.press("Enter")  # skip to the content: the form is its first control
    kb.press("Tab")

    def field(selector, text=None):
        expect(page.locator(selector)).to_be_focused()
        if text is not None:
            kb.type(text)
        kb.press("Tab")

    field("#name", EVA["name"])
    field("#address", "Hauptstraße 1")
    field("#postcode", EVA["postcode"])
    field("#city", EVA["city"])
    field("#region")
    field("#country", "Germany")
    field("#email")
    field("#lang", "Russian")
    expect(page.locator("#initials")).to_be_focused()
    kb.press("Space")
    kb.press("Tab")
    field("#note", "Please act now.")
    expect(page.locator('form button[type="submit"]')).to_be_focused()
    expect(page.locator("#country")).to_have_value("DE")
    expect(page.locator("#lang")).to_have_value("ru")
    expect(page.locator("#initials")).to_be_checked()
    kb.press("Enter")
    expect(page).to_have_url(re.compile(rf"/action/{ACTION}/preview"))
    texts = page.locator("section.letter pre").all_inner_texts()
    check(len(texts) == 3 and all("E. M." in t for t in texts), "the keyboard's letters are not signed E. M.")
    check(all("Please act now." in t for t in texts), "her note is not in the letters")
    print("the form filled and submitted by keyboard: 3 letters signed with her initials")
    ctx.close()


def narrow(browser):
    step("a narrow screen: the longest country name does not widen the form")
    width = 320
    ctx = context(browser, viewport={"width": width, "height": 640}, locale="ar")
    page = ctx.new_page()
    page.goto(f"{URL}/action/{ACTION}?lang=ar")
    # CLDR's longest Arabic name of a country: «هونغ كونغ الصينية (منطقة إدارية خاصة)».
    page.select_option("#country", "HK")
    fields = page.locator("form :is(input:not([type=hidden]), select, textarea, label, button)")
    for i in range(fields.count()):
        box = fields.nth(i).bounding_box()
        what = fields.nth(i).evaluate("e => e.outerHTML.slice(0, 60)")
        check(box is not None, f"{what} is not laid out")
        check(box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5,
              f"{what} runs off a {width}px screen: {box}")
    shot = OUT / "action-ar-narrow.png"
    page.screenshot(path=shot, full_page=True)
    print(f"{fields.count()} fields within {width}px; {shot}")
    ctx.close()


def screenshots(browser):
    step("screenshots")
    for lang in ("en", "ar"):
        ctx = context(browser, viewport={"width": 1280, "height": 800})
        page = ctx.new_page()
        for name, path in (("index", "/"), ("action", f"/action/{ACTION}")):
            page.goto(f"{URL}{path}?lang={lang}")
            shot = OUT / f"{name}-{lang}.png"
            page.screenshot(path=shot, full_page=True)
            print(shot)
        ctx.close()


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        print(f"chromium {browser.version}")
        try:
            javascript_is_off(browser)
            english(browser)
            arabic(browser)
            by_email(browser)
            keyboard(browser)
            narrow(browser)
            screenshots(browser)
        finally:
            browser.close()


if __name__ == "__main__":
    try:
        main()
    except (Failed, AssertionError) as e:
        print(f"browser: {e}", file=sys.stderr)
        sys.exit(1)
