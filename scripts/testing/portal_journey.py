#!/usr/bin/env python3
"""A buyer's journey through Remit's portal in a real browser (headless Chromium through Selenium).

    python3 scripts/testing/portal_journey.py --base-url http://localhost:8080 --login mem --password P \\
        --pay-invoice T-MEM-1 --pay-amount 73.45 --request-invoice T-ORG-1 --out DIR \\
        [--timeout 60] [--total-timeout 240]

Signs in, filters the Invoices page to unpaid and measures it at 1280, 1024 and 390 px (no sideways
scrolling; at the desktop widths every column inside the window), pays part of one invoice (Pay invoice with a smaller
amount, the cart, checkout on account), requests a copy of another (Request invoice), and waits on
My account → B2B requests until that request is completed (HQ's jobs and the e-mail worker must be
running meanwhile), then until the paid invoice shows partially paid. It finds what it uses the way
a person does: by labels, ids, names, button texts and the invoice numbers of the rows; it types
and presses Enter where a keyboard user would.

Writes a PNG of every step to DIR (and, on a failure, failure.png and failure.html). Prints each
step; exits 0 when the journey is done, 1 when the portal did something else (with the reason),
2 when the browser tooling is missing (naming what to install). Uses /usr/bin/chromium and
/usr/bin/chromedriver (Debian's chromium and chromium-driver) and never downloads a driver.
"""

import argparse
import base64
import os
import shutil
import signal
import sys
import time
import traceback

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Selenium Manager would try to download a driver; the paths above are given, and this keeps it offline.
os.environ["SE_OFFLINE"] = "true"

try:
    from selenium import webdriver
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select
except ImportError as error:  # pragma: no cover - reported to the test, which names the fix
    print(f"MISSING selenium ({error}): install it with `python3 -m pip install selenium` (scripts/test does)", flush=True)
    sys.exit(2)

DESKTOP = (1280, 900)
PHONE = (390, 844)
# The Invoices page must fit these widths without scrolling sideways (issue #22).
WIDTHS = (1280, 1024)


class JourneyFailure(Exception):
    """The portal did not do what the journey expected; the message says what was seen."""


def log(text):
    print(text, flush=True)


def xpath_literal(text):
    """An XPath string literal for any text (XPath 1.0 has no escapes)."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "concat(" + ", \"'\", ".join(f"'{part}'" for part in text.split("'")) + ")"


class Journey:
    def __init__(self, driver, args):
        self.driver = driver
        self.args = args
        self.base = args.base_url.rstrip("/")
        self.out = args.out
        self.shots = 0
        self.step = "starting"

    # -- helpers ---------------------------------------------------------------------------------

    def begin(self, text):
        self.step = text
        log(f"step: {text}")

    def shot(self, name):
        """A PNG of the whole page (beyond the window when it is taller), numbered in journey order."""
        self.shots += 1
        path = os.path.join(self.out, f"{self.shots:02d}-{name}.png")
        save_page(self.driver, path)
        log(f"  screenshot {os.path.basename(path)}")

    def wait_until(self, what, condition, timeout=None, reload_every=None):
        """Polls `condition` (a function returning a truthy value or None) until it holds, at most
        `timeout` seconds; reloads the page every `reload_every` seconds for pages that do not
        refresh themselves. Returns the condition's value."""
        timeout = timeout or self.args.timeout
        deadline = time.monotonic() + timeout
        next_reload = time.monotonic() + reload_every if reload_every else None
        while True:
            try:
                value = condition()
            except (NoSuchElementException, StaleElementReferenceException):
                value = None  # the page is being replaced (a refresh) or not there yet
            except WebDriverException as error:
                # Chrome reports an element of a page it is replacing this way too, not as stale.
                if "does not belong to the document" not in str(error):
                    raise
                value = None
            if value:
                return value
            now = time.monotonic()
            if now >= deadline:
                raise JourneyFailure(f"timed out after {timeout:.0f} s waiting until {what} (at {self.driver.current_url})")
            if next_reload is not None and now >= next_reload:
                self.driver.refresh()
                next_reload = now + reload_every
            time.sleep(0.2)

    def path(self):
        url = self.driver.current_url
        return url[len(self.base):] if url.startswith(self.base) else url

    def heading(self):
        return self.driver.find_element(By.TAG_NAME, "h1").text.strip()

    def expect_heading(self, expected):
        self.wait_until(f"the page's heading is “{expected}”", lambda: self.heading() == expected, timeout=15)

    def by_label(self, text):
        """The form control a <label> with this text names."""
        label = self.driver.find_element(By.XPATH, f"//label[normalize-space(.)={xpath_literal(text)}]")
        return self.driver.find_element(By.ID, label.get_attribute("for"))

    def button_in(self, container, text):
        return container.find_element(By.XPATH, f".//button[normalize-space(.)={xpath_literal(text)}]")

    def link(self, text):
        return self.driver.find_element(By.XPATH, f"//a[normalize-space(.)={xpath_literal(text)}]")

    def type_into(self, field, text):
        """Replaces a field's text as a person does: select all, type."""
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(text)

    def invoice_row(self, number):
        """The invoice table's row whose row header is `number`."""
        return self.driver.find_element(By.XPATH, f"//tr[th[@scope='row'][normalize-space(.)={xpath_literal(number)}]]")

    def column(self, header):
        """The 1-based position of the invoice table's column headed `header`."""
        headers = [th.text.strip() for th in self.driver.find_elements(By.XPATH, "//table/thead/tr/th")]
        if header not in headers:
            raise JourneyFailure(f"the table has no “{header}” column (columns: {', '.join(headers)})")
        return headers.index(header) + 1

    def cell(self, row, header):
        position = self.column(header)
        return row.find_element(By.XPATH, f"./*[{position}]").text.strip()

    def invoice_numbers(self):
        return [th.text.strip() for th in self.driver.find_elements(By.XPATH, "//tbody/tr/th[@scope='row']")]

    def filter_status(self, label):
        """Chooses `label` in the Status list by typing it (a list's type-ahead), then Show."""
        status = self.by_label("Status")
        status.send_keys(label)
        chosen = Select(status).first_selected_option.text.strip()
        if chosen != label:
            raise JourneyFailure(f"typing “{label}” into the Status list chose “{chosen}”")
        self.button_in(status.find_element(By.XPATH, "./ancestor::form"), "Show").send_keys(Keys.ENTER)

    def command_outcome(self, what):
        """Waits on a command's page (pending, refreshing itself) until the shop's answer; returns
        the accepted text, or fails with the refusal."""
        self.wait_until(f"{what} reaches its page", lambda: "/commands/" in self.path(), timeout=15)
        if "waiting for the shop" in self.driver.find_element(By.TAG_NAME, "main").text:
            self.shot(f"{slug(what)}-pending")

        def answer():
            for element in self.driver.find_elements(By.CSS_SELECTOR, "p[role=status], p[role=alert]"):
                text = element.text.strip()
                if text.startswith("Accepted") or text.startswith("Refused"):
                    return text
            return None

        text = self.wait_until(f"the shop answers {what}", answer)
        self.shot(f"{slug(what)}-answer")
        if not text.startswith("Accepted"):
            raise JourneyFailure(f"{what}: {text}")
        log(f"  {text}")
        return text

    def expect_fits(self, width, phone=False):
        """The Invoices page at `width` px: no sideways scrolling of the page, and (but on a phone,
        whose rows are cards) the whole table — every column heading — inside the window."""
        self.begin(f"the Invoices page fits {width} px without scrolling sideways")
        if not phone:
            self.driver.set_window_size(width, DESKTOP[1])
        seen = self.driver.execute_script(
            """
            const table = document.querySelector('table.invoices');
            const right = (element) => element.getBoundingClientRect().right;
            return {
                page: document.documentElement.scrollWidth, window: window.innerWidth,
                table: table.scrollWidth, box: table.parentElement.clientWidth,
                headings: [...table.querySelectorAll('thead th')].map((th) => [th.textContent.trim(), right(th)]),
                cells: [...table.querySelectorAll('tbody th, tbody td')].map((cell) => right(cell)),
            };
            """
        )
        log(f"  page {seen['page']} px, window {seen['window']} px, table {seen['table']} px in a box of {seen['box']} px")
        if seen["page"] > seen["window"]:
            raise JourneyFailure(f"at {width} px the page is {seen['page']} px wide: it scrolls sideways")
        if phone:
            return
        if seen["table"] > seen["box"]:
            raise JourneyFailure(f"at {width} px the invoice table is {seen['table']} px wide in a box of {seen['box']} px")
        cut = [name for name, right in seen["headings"] if right > seen["window"]]
        if cut or any(right > seen["window"] for right in seen["cells"]):
            raise JourneyFailure(f"at {width} px columns end outside the window: {', '.join(cut) or 'cells'}")
        self.shot(f"invoices-unpaid-{width}")

    # -- the journey -----------------------------------------------------------------------------

    def run(self):
        args = self.args
        self.begin(f"open {self.base}/invoices signed out: the portal sends the browser to sign in")
        self.driver.get(f"{self.base}/invoices")
        self.wait_until("the sign-in page shows", lambda: self.path().startswith("/sign-in"), timeout=15)
        self.expect_heading("Sign in")
        self.shot("sign-in")

        self.begin(f"sign in as {args.login} with the keyboard")
        self.type_into(self.by_label("Login"), args.login)
        password = self.by_label("Password")
        self.type_into(password, args.password)
        password.send_keys(Keys.ENTER)
        self.wait_until("the Invoices page shows after signing in", lambda: self.path().startswith("/invoices"), timeout=15)
        self.expect_heading("Invoices")
        self.shot("invoices")

        self.begin("filter the invoices to unpaid (Status, then Show)")
        self.filter_status("Unpaid")
        self.wait_until("the list is filtered to unpaid", lambda: "status=unpaid" in self.path(), timeout=15)
        numbers = self.invoice_numbers()
        log(f"  unpaid invoices shown: {', '.join(numbers) or 'none'}")
        for number in (args.pay_invoice, args.request_invoice):
            if number not in numbers:
                raise JourneyFailure(f"{number} is not among the unpaid invoices shown ({', '.join(numbers)})")
        for number in numbers:
            shown = self.cell(self.invoice_row(number), "Status")
            if shown != "Unpaid":
                raise JourneyFailure(f"the unpaid filter shows {number} as “{shown}”")
        if Select(self.by_label("Status")).first_selected_option.text.strip() != "Unpaid":
            raise JourneyFailure("the filtered page does not show Unpaid chosen in the Status list")
        self.shot("invoices-unpaid")
        for width in WIDTHS:
            self.expect_fits(width)
        self.driver.set_window_size(*PHONE)
        self.expect_fits(PHONE[0], phone=True)
        self.shot("invoices-unpaid-phone")
        self.driver.set_window_size(*DESKTOP)

        self.begin(f"pay {args.pay_amount} of {args.pay_invoice} (Amount, then Enter: Pay invoice)")
        row = self.invoice_row(args.pay_invoice)
        amount = self.driver.find_element(By.ID, f"amount-{args.pay_invoice}")
        proposed = amount.get_attribute("value")
        log(f"  the page proposes {proposed}; typing {args.pay_amount}")
        self.button_in(row, "Pay invoice")  # the form has its button, so Enter submits it as clicking would
        self.type_into(amount, args.pay_amount)  # scrolls the field into view, as a person would have to
        self.shot("pay-amount-typed")
        amount.send_keys(Keys.ENTER)
        self.command_outcome(f"Pay invoice {args.pay_invoice}")

        self.begin("open the cart and check the line")
        self.link("Cart").click()
        self.expect_heading("Cart")
        line = self.driver.find_element(
            By.XPATH, f"//tr[th[@scope='row'][normalize-space(.)={xpath_literal('Invoice ' + args.pay_invoice)}]]"
        )
        line_amount = line.find_element(By.XPATH, ".//label[starts-with(normalize-space(.), 'Amount to pay')]")
        value = self.driver.find_element(By.ID, line_amount.get_attribute("for")).get_attribute("value")
        if value != args.pay_amount:
            raise JourneyFailure(f"the cart line for {args.pay_invoice} holds {value}, not {args.pay_amount}")
        self.shot("cart")

        self.begin("check out on account")
        on_account = self.by_label("On account (charged to your customer account)")
        if not on_account.is_selected():
            on_account.send_keys(Keys.SPACE)
        if not on_account.is_selected():
            raise JourneyFailure("the On account choice could not be selected")
        self.button_in(on_account.find_element(By.XPATH, "./ancestor::form"), "Check out").send_keys(Keys.ENTER)
        self.command_outcome("Checkout")

        self.begin(f"back to the invoices: {args.pay_invoice} shows {args.pay_amount} pending or paid")
        self.link("Back to the invoices").click()
        self.expect_heading("Invoices")

        def pending_or_paid():
            # The checkout's answer comes before payment posting has recorded the payment.
            row = self.invoice_row(args.pay_invoice)
            shown = {header: self.cell(row, header) for header in ("Pending", "Paid")}
            return shown if any(text.startswith(args.pay_amount + " ") for text in shown.values()) else None

        shown = self.wait_until(f"{args.pay_invoice} shows {args.pay_amount} pending or paid", pending_or_paid, reload_every=1)
        log(f"  {args.pay_invoice}: pending {shown['Pending']}, paid {shown['Paid']}")
        self.shot("invoices-after-checkout")

        self.begin(f"request a copy of {args.request_invoice} (Request invoice)")
        self.button_in(self.invoice_row(args.request_invoice), "Request invoice").send_keys(Keys.ENTER)
        self.command_outcome(f"Request invoice {args.request_invoice}")

        self.begin("My account → B2B requests: wait until the request is completed")
        self.link("My account → B2B requests").click()
        self.expect_heading("My account → B2B requests")

        def request_status():
            rows = self.driver.find_elements(
                By.XPATH, f"//tbody/tr[td[2][normalize-space(.)={xpath_literal(args.request_invoice)}]]"
            )
            if len(rows) != 1:
                return None
            status = rows[0].find_element(By.XPATH, "./td[3]").text.strip()
            if status == "failed":
                raise JourneyFailure(f"the request failed: {rows[0].text}")
            return rows[0].text if status == "completed" else None

        first = self.driver.find_elements(By.XPATH, "//tbody/tr")
        log(f"  first seen: {' | '.join(row.text for row in first)}")
        if not request_status():
            self.shot("requests")
        done = self.wait_until(f"the request for {args.request_invoice} shows completed", request_status, reload_every=1)
        log(f"  {done}")
        self.shot("requests-completed")

        self.begin(f"the invoices, filtered to partially paid: {args.pay_invoice} is there once HQ settled it")
        self.link("Invoices").click()
        self.expect_heading("Invoices")
        self.filter_status("Partially paid")
        self.wait_until("the list is filtered to partially paid", lambda: "status=partially-paid" in self.path(), timeout=15)

        def settled():
            if args.pay_invoice not in self.invoice_numbers():
                return None
            row = self.invoice_row(args.pay_invoice)
            paid = self.cell(row, "Paid")
            return paid if paid.startswith(args.pay_amount + " ") and self.cell(row, "Status") == "Partially paid" else None

        log(f"  {args.pay_invoice}: paid {self.wait_until(f'{args.pay_invoice} shows partially paid', settled, reload_every=1)}")
        self.shot("invoices-partially-paid")

        self.begin("sign out")
        self.button_in(self.driver.find_element(By.TAG_NAME, "header"), "Sign out").send_keys(Keys.ENTER)
        self.wait_until("the sign-in page shows after signing out", lambda: self.path().startswith("/sign-in"), timeout=15)
        self.shot("signed-out")


def slug(text):
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def save_page(driver, path):
    """The whole page as PNG through the DevTools protocol (Chromium), else the window."""
    try:
        size = driver.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight, window.innerWidth]"
        )
        width = max(int(size[0]), int(size[2]))
        height = int(size[1])
        shot = driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
            },
        )
        with open(path, "wb") as file:
            file.write(base64.b64decode(shot["data"]))
    except WebDriverException:
        driver.save_screenshot(path)


def report_failure(driver, out):
    """What the browser shows at the failure: failure.png, failure.html and the page's text."""
    try:
        save_page(driver, os.path.join(out, "failure.png"))
        with open(os.path.join(out, "failure.html"), "w") as file:
            file.write(driver.page_source)
        log(f"  failure.png and failure.html saved in {out}")
        text = driver.find_element(By.TAG_NAME, "body").text
        log(f"  the page at {driver.current_url} says: {' '.join(text.split())[:1000]!r}")
    except WebDriverException as error:
        log(f"  (the page could not be saved: {error.msg or error})")


def missing_tools():
    missing = []
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if not os.access(CHROMEDRIVER, os.X_OK):
        missing.append(f"{CHROMEDRIVER} (apt-get install chromium-driver)")
    return missing


def start_browser(profile):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",  # as root (CI), Chromium refuses to start sandboxed
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-extensions",
        "--password-store=basic",
        f"--user-data-dir={profile}",
        f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
        "--lang=en-US",
    ):
        options.add_argument(argument)
    # No offer to save the password, which would not show headless but costs time.
    options.add_experimental_option("prefs", {"credentials_enable_service": False, "profile.password_manager_enabled": False})
    service = Service(executable_path=CHROMEDRIVER, log_output=os.path.join(profile, "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    driver.set_window_size(*DESKTOP)
    return driver


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True, help="the portal, e.g. http://localhost:8080")
    parser.add_argument("--login", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--pay-invoice", required=True, help="the invoice to pay in part")
    parser.add_argument("--pay-amount", required=True, help="the part to pay, as the page writes amounts (73.45)")
    parser.add_argument("--request-invoice", required=True, help="the invoice to request a copy of")
    parser.add_argument("--out", required=True, help="the folder for the screenshots")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for any one outcome")
    parser.add_argument(
        "--total-timeout", type=int, default=240, help="seconds for the whole journey; then it fails and closes the browser"
    )
    args = parser.parse_args()

    missing = missing_tools()
    if missing:
        log("MISSING " + "; ".join(missing))
        return 2
    os.makedirs(args.out, exist_ok=True)
    profile = os.path.join(args.out, ".chromium-profile")
    shutil.rmtree(profile, ignore_errors=True)
    os.makedirs(profile)
    started = time.monotonic()
    try:
        driver = start_browser(profile)
    except WebDriverException as error:
        log(f"FAILED to start Chromium through {CHROMEDRIVER}: {error.msg or error}")
        log(open(os.path.join(profile, "chromedriver.log"), errors="replace").read()[-2000:])
        return 2
    journey = Journey(driver, args)

    # A browser call that hangs still ends in a failure that closes the browser (a caller that kills
    # this process would leave Chromium behind).
    def overdue(signum, frame):
        raise JourneyFailure(f"the journey took longer than {args.total_timeout} s")

    signal.signal(signal.SIGALRM, overdue)
    signal.alarm(args.total_timeout)
    try:
        journey.run()
        log(f"DONE: the journey took {time.monotonic() - started:.1f} s; {journey.shots} screenshots in {args.out}")
        return 0
    except (JourneyFailure, WebDriverException) as error:
        text = str(error) if isinstance(error, JourneyFailure) else f"the browser: {error.msg or error}"
        log(f"FAILED at “{journey.step}”: {text}")
        if not isinstance(error, JourneyFailure):
            traceback.print_exc(file=sys.stdout)
        report_failure(driver, args.out)
        return 1
    finally:
        signal.alarm(0)
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
