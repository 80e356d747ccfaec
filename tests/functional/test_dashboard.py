"""The dashboard in a real browser: Debian's chromium driven by selenium (chromedriver
from Debian's chromium-driver) against the observability tests' cloud, which traces."""
import shutil
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from tests.functional.test_observability import HOST
from tests.functional.test_observability import cloud  # noqa: F401 (the fixture)

DEADLINE = 30.0
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser():
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.fail("Debian's chromium and chromium-driver are needed (.ci/run installs "
                    "them: apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=1400,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _until(what: str, check, deadline: float = DEADLINE):
    """Poll ``check`` (a stale element counts as not yet) until it returns truthy."""
    end = time.monotonic() + deadline
    while True:
        try:
            value = check()
        except StaleElementReferenceException:
            value = None
        if value:
            return value
        if time.monotonic() > end:
            pytest.fail(f"the dashboard did not show {what} within {deadline}s")
        time.sleep(0.1)


def _visible(driver, element_id: str) -> bool:
    return driver.find_element(By.ID, element_id).is_displayed()


def _cell(driver, server: str, cls: str) -> str | None:
    rows = driver.find_elements(By.CSS_SELECTOR, f'tr[data-server="{server}"] td.{cls}')
    return rows[0].text if rows else None


def _sign_in(driver, url: str, token: str) -> None:
    driver.get(url)
    _until("the sign-in form", lambda: _visible(driver, "signin"))
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.ID, "signin-button").click()
    _until("the signed-in page", lambda: _visible(driver, "main"))


def test_boot_stop_and_trace_a_server_from_the_dashboard(cloud, browser):  # noqa: F811
    mininova, _, _ = cloud
    url = f"{mininova.api_url}/dashboard/"
    browser.get(url)
    # No token: the sign-in form, not a blank page.
    _until("the sign-in form", lambda: _visible(browser, "signin"))
    assert not _visible(browser, "main")

    _sign_in(browser, url, "admin:admin")
    _until(f"host {HOST} up", lambda: browser.find_elements(
        By.CSS_SELECTOR, f'tr[data-host="{HOST}"] td.up'))
    usage = browser.find_elements(By.CSS_SELECTOR, f'tr[data-host="{HOST}"] td')[3].text
    assert usage.split(" / ")[1].isdigit(), usage  # "used / total" vCPUs

    # Every status the page shows for web1, as it shows them.
    browser.execute_script("""
        window.seen = [];
        new MutationObserver(() => {
          const cell = document.querySelector('tr[data-server="web1"] td.status');
          if (cell && window.seen[window.seen.length - 1] !== cell.textContent)
            window.seen.push(cell.textContent);
        }).observe(document.getElementById('servers'), {subtree: true, childList: true,
                                                         characterData: true});""")
    browser.find_element(By.ID, "create-name").send_keys("web1")
    browser.find_element(By.ID, "create-button").click()
    _until("web1 ACTIVE", lambda: _cell(browser, "web1", "status") == "ACTIVE")
    seen = browser.execute_script("return window.seen;")
    assert seen[-1] == "ACTIVE" and set(seen) <= {"BUILD", "ACTIVE"}, seen

    browser.find_element(
        By.CSS_SELECTOR, 'tr[data-server="web1"] button[data-action="stop"]').click()
    _until("web1 SHUTOFF", lambda: _cell(browser, "web1", "status") == "SHUTOFF")
    assert _cell(browser, "web1", "task") == "-"

    stop_link = _until("the stop request", lambda: [
        a for a in browser.find_elements(By.CSS_SELECTOR, "#requests li a")
        if a.find_element(By.XPATH, "..").text.startswith("stop web1")])[0]
    hops = ["POST /v2.1/servers/{server_id}/action", "rpc.cast compute.stop_instance",
            "compute.stop_instance", "libvirt.shutdown"]

    def trace_shows_the_hops():
        stop_link.click()  # spans arrive in batches: ask again until all are there
        time.sleep(0.3)
        rows = {r.get_attribute("data-span"): r.text
                for r in browser.find_elements(By.CSS_SELECTOR, "#waterfall .span-row")}
        return rows if all(hop in rows for hop in hops) else None

    rows = _until("the stop's trace", trace_shows_the_hops)
    for hop in hops:
        assert rows[hop].endswith(" ms"), rows[hop]
    assert "nova-compute@" + HOST in rows["compute.stop_instance"]
    shot = Path(mininova.log_dir) / "dashboard.png"
    browser.save_screenshot(str(shot))
    print(f"dashboard screenshot: {shot}")

    # Another project sees none of admin's servers, and no hosts.
    browser.find_element(By.ID, "signout").click()
    _sign_in(browser, url, "alice:project-a")
    _until("the hosts note", lambda: "admin" in browser.find_element(
        By.ID, "hosts-note").text)
    assert _cell(browser, "web1", "status") is None
    browser.find_element(
        By.CSS_SELECTOR, "#signout").click()
    browser.find_element(By.ID, "trace-id")  # the page is whole after signing out
    assert _visible(browser, "signin")
