"""A member's real browser (headless Chromium) against the portal and three miners as real processes (an
embedded `Cluster`: SQLite each, no services): the figures leave the browser only as shares; the form
says where the submission is at every step; a miner that is down fails it clearly and a new form then
succeeds; the keyboard alone does it all; a tampered sharing library is refused; staff close and analyse,
the board publishes, and the report equals the sorted figures. Screenshots of each state are written
under $SCREENSHOT_DIR/browser (default tmp/browser).

The tests share one cluster and one period and run in file order: the last one analyses what the others
submitted (it submits what an earlier test did not, when run alone)."""

from __future__ import annotations

import json
import time

import pytest

from consortium.localrun.member import Member
from consortium.localrun.processes import Cluster
from tests.browser import launch, require_chromium

from .browser_session import (
    NO_SECOND_FACTOR,
    PASSWORD,
    WAIT_MS,
    Recorder,
    fill,
    log_in,
    miner_shares,
    occurs,
    plaintext_forms,
    portal_submission_states,
    screenshot_dir,
    shoot,
    start_form,
)

COMPANIES = 8  # 0: the browser, 1: the keyboard, 2: a miner down, 3: a tampered library, 4-7: over HTTP
RING = 2**64


def figures_of(k: int) -> dict[str, str]:
    """Company k's figures as a member types them: distinctive numbers, grouped or with a decimal comma."""
    return {
        "total_return": f"{1_873_421 + 104_729 * k:,}".replace(",", " "),
        "employees": str(47 + 13 * k),
        "export_share": f"{31 + 6 * k},{k + 1}",
        "added_value": str(612_337 + 48_611 * k),
        "labour_costs": str(291_853 + 17_389 * k),
        "training_costs": str(8_219 + 977 * k),
        "profit": str(-40_093 + 23_117 * k),
    }


def decimal(typed: str) -> str:
    return typed.replace(" ", "").replace(",", ".")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with Cluster(tmp_path_factory.mktemp("browser"), extra_env=NO_SECOND_FACTOR) as running:
        yield running


@pytest.fixture(scope="module")
def demo(cluster):
    return json.loads(cluster.manage(cluster.portal, "demo", "setup", "--companies", str(COMPANIES),
                                      "--periods", "1", "--password", PASSWORD))


@pytest.fixture(scope="module")
def period(demo) -> int:
    return demo["periods"][0]["id"]


@pytest.fixture(scope="module")
def submitted() -> dict[int, dict[str, str]]:
    """Company -> the figures (decimal strings) of its complete submission, as the tests make them."""
    return {}


@pytest.fixture(scope="module")
def browser():
    playwright_api, chromium = require_chromium()
    with playwright_api.sync_playwright() as p:
        running = launch(p, chromium)
        yield running
        running.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    context.set_default_timeout(WAIT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


def username(demo, k: int) -> str:
    return demo["members"][k]["username"]


def state(page) -> str:
    return page.locator("#figures").get_attribute("data-state")


def wait_for_state(page, *states: str) -> str:
    selector = ", ".join(f"#figures[data-state='{s}']" for s in states)
    page.wait_for_selector(selector, state="attached")
    return state(page)


# --- a. the figures leave the browser only as shares; "submitted" only after three receipts ------------

def test_a_members_figures_reach_the_miners_only_as_shares(cluster, demo, period, submitted, page, tmp_path):
    typed = figures_of(0)
    recorder = Recorder(page)
    log_in(page, cluster, username(demo, 0))
    config = start_form(page, cluster, period)
    scales = {f["code"]: f["scale"] for f in config["fields"]}
    assert state(page) == "empty"
    shoot(page, "form-1-empty")

    # A field is checked as the member leaves it: "50,5" employees is an error at once.
    page.fill("#value-employees", "50,5")
    page.press("#value-employees", "Tab")
    error = page.locator("#error-employees li")
    assert error.inner_text() == "Please enter a whole number, without decimals."
    assert page.get_attribute("#value-employees", "aria-invalid") == "true"
    page.fill("#value-export_share", "abc")
    page.press("#value-export_share", "Tab")
    assert page.locator("#error-export_share li").inner_text().startswith("Please enter a number")
    page.click("#submit-figures")
    assert wait_for_state(page, "error") == "error"
    assert page.locator(".submit-panel.error[role=alert]").is_visible()
    assert page.evaluate("document.activeElement.id") == "value-total_return"  # the first to correct (empty)
    shoot(page, "form-2-error")
    assert not recorder.to(*(m.url for m in cluster.miners))  # nothing sent while anything is wrong

    fill(page, typed)
    assert page.locator("#error-employees li").count() == 0  # corrected: the error goes as it is typed

    # Hold miner 2's request and the receipts' POST, to see the page between the steps.
    held = {}
    page.route(cluster.miners[1].url + "/api/shares", lambda route: held.setdefault("miner", route))
    page.route("**/submissions/receipts/", lambda route: held.setdefault("receipts", route))
    page.click("#submit-figures")
    page.wait_for_selector("li[data-miner='0'][data-state='stored']")
    page.wait_for_selector("li[data-miner='2'][data-state='stored']")
    assert state(page) == "sending"
    assert page.locator("li[data-miner='1']").get_attribute("data-state") == "sending"
    assert page.locator("li[data-miner='1'] .miner-name").inner_text() == "Miner 2"
    shoot(page, "form-3-sending")
    held["miner"].continue_()
    assert wait_for_state(page, "confirming") == "confirming"
    assert "Submitted" not in page.locator("#submit-status").inner_text()  # not before the portal's answer
    assert "submitted" not in page.locator("#submit-status").inner_text()
    held["receipts"].continue_()
    assert wait_for_state(page, "submitted", "failed") == "submitted"
    status = page.locator("#submit-status").inner_text()
    # The portal's time, in the consortium's format: "5 December 2026, 01:56", never "12/4/2026, 9:56 PM".
    assert "Time of submission: " in status
    assert not any(mark in status for mark in (" AM", " PM", "/20"))
    shoot(page, "form-4-submitted")
    assert portal_submission_states(cluster, config["form"]) == ["complete"]

    # The saved copy: a file made in the page (a blob: URL), with the figures as submitted.
    with page.expect_download() as download:
        page.click("#save-copy")
    assert page.get_attribute("#save-copy", "href").startswith("blob:")
    copy_path = tmp_path / "copy.json"
    download.value.save_as(copy_path)
    copy = json.loads(copy_path.read_text())
    assert copy["figures"] == {code: decimal(v) for code, v in typed.items()}
    assert copy["period"] == {"id": period, "name": demo["periods"][0]["name"]}
    assert copy["form"] == config["form"] and copy["submitted_at"]
    (screenshot_dir() / "saved-copy.json").write_text(copy_path.read_text())

    # No plaintext figure in any request to the portal or a miner: URL or body, as typed or encoded.
    sent = recorder.to(cluster.portal.url, *(m.url for m in cluster.miners))
    assert [url for _m, url, _b in sent if url.startswith(cluster.miners[0].url)]  # the shares did go
    for code, figure in typed.items():
        for form in plaintext_forms(figure, scales[code]):
            leaks = [url for _m, url, body in sent if occurs(form, url) or occurs(form, body)]
            assert leaks == [], f"{code} ({form}) appears in {leaks}"
    assert all("blob:" not in url for _m, url, _b in recorder.requests)  # the copy was never fetched

    # Each miner stored a share that differs from the value; the three add up to it.
    stored = [miner_shares(cluster, i, config["form"]) for i in range(3)]
    for code, figure in typed.items():
        encoded = _encoded(figure, scales[code])
        shares = [s[code][0] for s in stored]
        assert all(share != encoded % RING for share in shares), code
        assert sum(shares) % RING == encoded % RING
        assert sum(s[code][1] for s in stored) % RING == 1  # the submitted flag
    submitted[0] = {code: decimal(v) for code, v in typed.items()}


def _encoded(typed: str, scale: int) -> int:
    normal = decimal(typed)
    whole, _dot, frac = normal.lstrip("-").partition(".")
    value = int(whole + frac.ljust(scale, "0"))
    return -value if normal.startswith("-") else value


# --- c. the keyboard alone ------------------------------------------------------------------------------

def tab_to(page, selector: str, *, back: bool = False, limit: int = 60) -> None:
    """Press Tab (Shift+Tab) until the focused element matches `selector`, as a keyboard user would."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_c_a_member_submits_with_the_keyboard_alone(cluster, demo, period, submitted, page):
    typed = figures_of(1)
    page.goto(cluster.portal.url + "/login/")
    tab_to(page, "#id_username")
    page.keyboard.type(username(demo, 1))
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, f"[data-period='{period}'] a.btn")  # "Fill in the form" on the home page
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "main form button[type=submit]")  # "Start a new submission"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    codes = [f["code"] for f in json.loads(page.locator("#sharing-config").text_content())["fields"]]
    tab_to(page, f"#value-{codes[0]}")
    for code in codes:
        assert page.evaluate("document.activeElement.id") == f"value-{code}"
        page.keyboard.type("12,5" if code == "employees" else typed[code])
        page.keyboard.press("Tab")
        if code == "employees":  # checked as the member leaves it; back, correct, on
            assert page.locator("#error-employees li").is_visible()
            tab_to(page, "#value-employees", back=True)
            page.keyboard.press("Control+A")
            page.keyboard.type(typed["employees"])
            assert page.locator("#error-employees li").count() == 0
            page.keyboard.press("Tab")
    tab_to(page, "#submit-figures")
    page.keyboard.press("Enter")
    assert wait_for_state(page, "submitted", "failed") == "submitted"
    # Focus moves to the result, and the next Tab reaches the saved copy.
    assert page.evaluate("document.activeElement.classList.contains('submit-title')")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "save-copy"
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert json.loads(download.value.path().read_text())["figures"]["employees"] == typed["employees"]
    submitted[1] = {code: decimal(v) for code, v in typed.items()}


# --- d. a miner down: a clear failure, nothing submitted; a new form once it is back ------------------

def test_d_a_miner_down_fails_clearly_and_a_new_form_succeeds_once_it_is_back(cluster, demo, period,
                                                                                submitted, page):
    typed = figures_of(2)
    log_in(page, cluster, username(demo, 2))
    cluster.stop_party(cluster.miners[1])
    try:
        config = start_form(page, cluster, period)
        fill(page, typed)
        page.click("#submit-figures")
        assert wait_for_state(page, "submitted", "failed") == "failed"
        failure = page.locator(".submit-panel.failed[role=alert]")
        assert failure.is_visible()
        text = failure.inner_text()
        assert "Your figures were not submitted" in text and "Miner 2" in text
        assert page.locator("li[data-miner='1']").get_attribute("data-state") == "failed"
        assert "could not be reached" in page.locator("li[data-miner='1']").inner_text()
        assert "What to do:" in text and "start again with a new form" in text
        assert page.locator("li[data-miner='0']").get_attribute("data-state") == "stored"
        shoot(page, "form-5-failed")
        assert portal_submission_states(cluster, config["form"]) == ["failed"]
        other = page.context.new_page()  # the form's page, as the member would open it again
        other.goto(f"{cluster.portal.url}/submissions/form/{period}/")
        assert other.locator("main .badge.ok", has_text="submitted").count() == 0  # nothing marked submitted
        other.close()
    finally:
        cluster.start_party(cluster.miners[1])
        cluster.wait_until_up([cluster.miners[1]])
    with page.expect_navigation():
        page.click(".submit-panel.failed button[type=submit]")  # "Start again with a new form"
    again = json.loads(page.locator("#sharing-config").text_content())
    assert again["form"] != config["form"]
    fill(page, typed)
    page.click("#submit-figures")
    assert wait_for_state(page, "submitted", "failed") == "submitted"
    assert portal_submission_states(cluster, again["form"]) == ["complete"]
    submitted[2] = {code: decimal(v) for code, v in typed.items()}


# --- e. a tampered sharing library is refused -------------------------------------------------------------

def test_e_the_browser_refuses_a_tampered_sharing_library(cluster, demo, period, page):
    log_in(page, cluster, username(demo, 3))
    console = []
    page.on("console", lambda m: console.append(m.text))
    original = {}

    def tamper(route):
        response = route.fetch()
        original["body"] = response.text()
        # What an attacker would add: the figures, elsewhere.
        route.fulfill(response=response, body=response.text() + "\nwindow.__tampered = true;\n")

    page.route("**/sharing*.js*", tamper)  # also a hashed name (sharing.<hash>.js)
    start_form(page, cluster, period)
    assert original, "the page did not load sharing.js"
    script = page.locator("script[src*='/sharing']")
    if not script.get_attribute("integrity"):
        pytest.xfail("sharing.js has no integrity attribute (SRI comes with the `trust` branch)")
    page.wait_for_selector("#sharing-unavailable", state="visible")
    assert page.evaluate("typeof window.ConsortiumSharing") == "undefined"
    assert page.evaluate("typeof window.__tampered") == "undefined"
    assert any("integrity" in line.lower() for line in console), console
    assert page.locator("#submit-figures").is_hidden()
    assert state(page) == "unavailable"
    shoot(page, "form-6-library-refused")


# --- b. staff analyse, the board publishes, the report shows the sorted figures -----------------------

def test_e2_a_fields_message_says_what_to_type(cluster, demo, period, page):
    """An English thousands separator and a figure out of range: each message says what to type."""
    log_in(page, cluster, username(demo, 6))
    start_form(page, cluster, period)
    for code, typed in (("profit", "1,000"), ("labour_costs", "-5"), ("export_share", "101")):
        page.fill(f"#value-{code}", typed)
        page.locator(f"#value-{code}").blur()
    assert page.locator("#error-profit li").inner_text() == (
        "Please type the number without a thousands separator, for example 1000 or 1 000.")
    assert page.locator("#error-labour_costs li").inner_text() == (
        "This is outside the allowed range: from 0 to 1000000000000.")
    assert page.locator("#error-export_share li").inner_text() == (
        "This is outside the allowed range: from 0.0 to 100.0.")


def submit_the_others(cluster, demo, period, submitted) -> None:
    """Companies 4-7 over HTTP as the browser does (Member), and a browser company whose test did not run."""
    for k in [0, 1, 2, 4, 5, 6, 7]:
        if k in submitted:
            continue
        member = Member(cluster.portal.url, username(demo, k), PASSWORD)
        member.log_in()
        values = {code: decimal(v) for code, v in figures_of(k).items()}
        assert member.submit(period, values)["complete"]
        submitted[k] = values


def close_the_period(page, cluster, period) -> None:
    """Admin: the period changelist's "Close" action, confirmed."""
    page.goto(cluster.portal.url + "/admin/periods/collectionperiod/")
    page.check(f"input[name=_selected_action][value='{period}']")
    page.select_option("select[name=action]", label="Close")
    page.click("button[name=index]")
    with page.expect_navigation():
        page.click("input[type=submit][value*='sure']")


def follow_the_run(page) -> list[float]:
    """The progress bar's values until the run is done (the page reloads itself then)."""
    seen, shot = [], False
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if page.locator("#run[data-state='done'], #run[data-state='failed']").count():
            break
        value = page.evaluate("() => { const p = document.getElementById('run-progress'); "
                              "return p ? p.value : null; }")
        if value is not None and (not seen or value != seen[-1]):
            seen.append(value)
            if 0 < value < 1 and not shot:
                shoot(page, "run-1-progress")
                shot = True
        page.wait_for_timeout(100)
    return seen


def sorted_column(page, code: str) -> list[float]:
    cells = page.locator(f"#ind-{code} table.report-values tbody td:nth-child(2)").all_text_contents()
    return [float(c.replace(",", "")) for c in cells]


def test_b_staff_analyse_the_board_publishes_and_the_report_shows_the_sorted_figures(
        cluster, demo, period, submitted, browser, tmp_path):
    submit_the_others(cluster, demo, period, submitted)
    assert len(submitted) >= 5

    staff = browser.new_context(viewport={"width": 1100, "height": 900})
    staff.set_default_timeout(WAIT_MS)
    page = staff.new_page()
    log_in(page, cluster, demo["staff"])
    close_the_period(page, cluster, period)
    page.goto(f"{cluster.portal.url}/analyses/periods/{period}/start/")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator("#run").count() == 1, page.url
    seen = follow_the_run(page)
    page.wait_for_selector("#run[data-state='done']")
    shoot(page, "run-2-done")
    assert seen == sorted(seen), seen  # it only moves forward
    assert any(0 < v < 1 for v in seen), f"the bar never showed a step between 0 and 1: {seen}"
    staff.close()

    board = browser.new_context(viewport={"width": 1100, "height": 900})
    board.set_default_timeout(WAIT_MS)
    page = board.new_page()
    log_in(page, cluster, demo["board"])
    page.goto(cluster.portal.url + "/reports/")
    with page.expect_navigation():
        page.locator("main tr", has_text=demo["periods"][0]["name"]).get_by_role("link", name="Open").click()
    with page.expect_navigation():
        page.click("a.btn:has-text('Publish')")
    page.check("main form input[name=confirm]")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    report_url = page.url
    assert page.locator("h1 .badge.ok").inner_text() == "published"
    board.close()

    member = browser.new_context(viewport={"width": 1100, "height": 900})
    member.set_default_timeout(WAIT_MS)
    page = member.new_page()
    recorder = Recorder(page)
    log_in(page, cluster, username(demo, 0))
    page.goto(report_url)
    for code in figures_of(0):
        expected = sorted(float(values[code]) for values in submitted.values())
        assert sorted_column(page, code) == pytest.approx(expected), code

    # The member's saved copy, read from a local file: every box filled, nothing sent.
    copy = screenshot_dir() / "saved-copy.json"
    if not copy.exists():  # test a did not run: the copy it would have saved
        copy = tmp_path / "copy.json"
        copy.write_text(json.dumps({"kind": "consortium-mpc saved copy", "version": 1,
                                    "period": {"id": period, "name": demo["periods"][0]["name"]},
                                    "figures": submitted[0]}))
    before = len(recorder.requests)
    page.set_input_files("#saved-copy-file", str(copy))
    page.wait_for_selector("#saved-copy-result:not(:empty)")
    assert "Nothing was sent" in page.locator("#saved-copy-result").inner_text()
    for code, figure in submitted[0].items():
        assert page.input_value(f"#myvalue-{code}") == figure
        below = sum(float(v[code]) < float(figure) for v in submitted.values())
        output = page.locator(f"#ind-{code} .report-myvalue output").inner_text()
        assert output.startswith(f"{below} of {len(submitted)} companies reported less"), (code, output)
    page.evaluate("1")
    assert [u for _m, u, _b in recorder.requests[before:] if not u.endswith("favicon.svg")] == []
    shoot(page, "report")
    page.locator("#saved-copy-heading").scroll_into_view_if_needed()
    shoot(page, "report-saved-copy", full_page=False)
    member.close()
