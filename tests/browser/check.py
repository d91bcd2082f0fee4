#!/usr/bin/env python3
"""Loads auditree HTML reports from disk in headless Chromium and checks the rendered DOM.

usage: check.py --dir DIR --screenshot PNG
DIR holds hostile-argv.html, enriched-fork.html (and their .json twins) and optionally
large.html. Waits are on DOM conditions (WebDriverWait polls until a condition holds or a
generous limit passes), never on fixed sleeps; nothing asserts how long anything took.
Prints one line per check and a closing "N passed, N failed"; exits 1 on any failure.
"""
import argparse
import json
import os
import sys
import traceback

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, UnexpectedAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

HOSTILE_SCRIPT = "</script><script>alert(1)</script>"
HOSTILE_IMG = "<img src=x onerror=alert(1)>"
ALERT_HOOK = """
window.__alerts = [];
['alert', 'confirm', 'prompt'].forEach(function (name) {
  window[name] = function (message) { window.__alerts.push(name + ':' + message); };
});
"""

passed = failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"PASS {name}")
    else:
        failed += 1
        print(f"FAIL {name}" + (f": {detail}" if detail else ""))


def make_driver():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1440,1000", "--hide-scrollbars", "--force-device-scale-factor=1"]:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    # Runs before any page script (and outside the page's CSP): records alert() instead of blocking.
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": ALERT_HOOK})
    return driver


def load(driver, path):
    driver.get("file://" + os.path.abspath(path))
    WebDriverWait(driver, 120).until(lambda d: d.execute_script("return document.body && document.body.getAttribute('data-ready')") == "yes")


def js(driver, script, *args):
    return driver.execute_script(script, *args)


def no_alert(driver):
    try:
        driver.switch_to.alert
        return False
    except NoAlertPresentException:
        return True


def console_problems(driver):
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE" or "Content Security Policy" in e["message"]]


def matching(driver):
    return int(js(driver, "return document.getElementById('finding-list').getAttribute('data-matching')"))


def cards(driver):
    return js(driver, "return document.querySelectorAll('#finding-list details.finding').length")


def expand_all(driver):
    js(driver, "document.getElementById('expand-shown').click()")


def hostile(driver, directory):
    expected = json.load(open(os.path.join(directory, "hostile-argv.json")))
    load(driver, os.path.join(directory, "hostile-argv.html"))
    n = len(expected["findings"])
    check("hostile: script ran under the CSP (page ready)", True)
    check(f"hostile: {n} finding cards", cards(driver) == n and matching(driver) == n, f"{cards(driver)} cards")
    check("hostile: summary count", driver.find_element(By.ID, "summary-findings").text == str(n))
    csp = js(driver, "var m = document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]'); return m && m.content")
    check("hostile: CSP meta forbids remote loads", bool(csp) and "default-src 'none'" in csp and "http" not in csp, csp)
    expand_all(driver)
    check("hostile: every finding expanded with its body", js(driver, "return document.querySelectorAll('details.finding[open] .body').length") == n)
    check("hostile: no <img> element in the document", js(driver, "return document.getElementsByTagName('img').length") == 0)
    check("hostile: only the report's 3 script elements", js(driver, "return document.scripts.length") == 3)
    check("hostile: no element has an on* handler attribute",
          js(driver, "return Array.from(document.querySelectorAll('*')).filter(e => Array.from(e.attributes).some(a => a.name.startsWith('on'))).length") == 0)
    args = js(driver, "return Array.from(document.querySelectorAll('ol.argv li')).map(li => li.textContent)")
    check("hostile: </script> payload shown literally", any(HOSTILE_SCRIPT in a for a in args))
    check("hostile: <img onerror> payload shown literally", any(HOSTILE_IMG in a for a in args))
    check("hostile: control characters made visible (\\x1b)", js(driver, "return Array.from(document.querySelectorAll('.ctl')).some(s => s.textContent === '\\\\x1b')"))
    check("hostile: invalid UTF-8 marked with its hex bytes",
          js(driver, "return document.querySelectorAll('.bad').length > 0 && document.querySelectorAll('.hex').length > 0"))
    cut = js(driver, "var li = document.querySelector('ol.argv li[data-cut]'); if (!li) return null; var before = li.textContent.length; li.querySelector('button.reveal').click(); return [before, li.textContent.length]")
    check("hostile: 10,000-char argument cut, then shown in full", bool(cut) and cut[0] < 3000 and cut[1] >= 10000, str(cut))
    check("hostile: no alert fired", no_alert(driver) and js(driver, "return window.__alerts.length") == 0)
    check("hostile: no CSP violation or script error", console_problems(driver) == [], str(console_problems(driver)))


def enriched(driver, directory, screenshot):
    expected = json.load(open(os.path.join(directory, "enriched-fork.json")))
    findings = expected["findings"]
    n = len(findings)
    load(driver, os.path.join(directory, "enriched-fork.html"))
    check(f"enriched: {n} finding cards", cards(driver) == n and matching(driver) == n)
    # Rule filter
    for rule, count in expected["summary"]["findings_by_rule"].items():
        Select(driver.find_element(By.ID, "filter-rule")).select_by_value(rule)
        check(f"enriched: rule filter {rule} -> {count}", matching(driver) == count == cards(driver), f"{matching(driver)}")
    Select(driver.find_element(By.ID, "filter-rule")).select_by_value("")
    for severity, count in expected["summary"]["findings_by_severity"].items():
        if count == 0:
            continue
        Select(driver.find_element(By.ID, "filter-severity")).select_by_value(severity)
        check(f"enriched: severity filter {severity} -> {count}", matching(driver) == count)
    Select(driver.find_element(By.ID, "filter-severity")).select_by_value("")
    hosts = js(driver, "return Array.from(document.querySelectorAll('#filter-host option')).map(o => o.value).filter(v => v)")
    Select(driver.find_element(By.ID, "filter-host")).select_by_value(hosts[0])
    check("enriched: host filter", matching(driver) == sum(1 for f in findings if (f["host"] or "(no host)") == hosts[0]))
    Select(driver.find_element(By.ID, "filter-host")).select_by_value("")
    term = "tp-perl"
    box = driver.find_element(By.ID, "filter-text")
    box.send_keys(term)
    want = sum(1 for f in findings if term in json.dumps(f, ensure_ascii=False).lower())
    check(f"enriched: text filter '{term}' -> {want}", 0 < matching(driver) == want < n, f"{matching(driver)}")
    js(driver, "document.getElementById('filter-reset').click()")
    check("enriched: reset shows all again", matching(driver) == n)
    # Timeline: clicking the fullest bar filters to its findings
    bins = js(driver, "return Array.from(document.querySelectorAll('#timeline-chart .bin')).map(b => parseInt(b.title, 10))")
    best = max(range(len(bins)), key=lambda i: bins[i])
    js(driver, "document.querySelectorAll('#timeline-chart .bin')[arguments[0]].click()", best)
    check(f"enriched: timeline has {len(bins)} bars; clicking one filters to its {bins[best]}", sum(bins) == n and matching(driver) == bins[best])
    js(driver, "document.getElementById('filter-time-clear').click()")
    check("enriched: clearing the time filter", matching(driver) == n)
    # Descendant tree: open the finding with the most descendants, collapse a node
    index = max(range(n), key=lambda i: len(findings[i]["descendants"]))
    card = js(driver, "var c = document.querySelectorAll('details.finding')[arguments[0]]; c.open = true; c.scrollIntoView(); return c.id", index)
    WebDriverWait(driver, 30).until(lambda d: js(d, "return !!document.querySelector('#' + arguments[0] + ' .body')", card))
    tree = js(driver, "return document.querySelectorAll('#' + arguments[0] + ' ul.tree li').length", card)
    check(f"enriched: descendant tree lists {len(findings[index]['descendants'])} processes", tree == len(findings[index]["descendants"]), str(tree))
    nodes = js(driver, "return document.querySelectorAll('#' + arguments[0] + ' details.node').length", card)
    if nodes:
        visible = js(driver, """var n = document.querySelector('#' + arguments[0] + ' details.node'); var li = n.querySelector('ul li');
            var before = li.checkVisibility(); n.querySelector('summary').click(); var after = li.checkVisibility(); return [before, after, n.open]""", card)
        check("enriched: descendant tree collapses", visible == [True, False, False], str(visible))
        js(driver, "document.querySelector('#' + arguments[0] + ' details.node summary').click()", card)
    else:
        check("enriched: descendant tree is flat (no collapsible node needed)", tree > 0)
    check("enriched: ancestry chain ends at the shell", js(driver, "var l = document.querySelectorAll('#' + arguments[0] + ' ul.chain li'); return l.length > 1 && l[l.length-1].classList.contains('shell')", card))
    check("enriched: full-tree section is a labelled placeholder", "not available yet" in driver.find_element(By.ID, "process-tree").text.lower())
    check("enriched: no alert, no console error", no_alert(driver) and console_problems(driver) == [])
    # Screenshot: the summary, timeline and one expanded finding
    js(driver, "document.querySelectorAll('details.finding').forEach(d => d.open = false); var c = document.getElementById(arguments[0]); c.open = true; window.scrollTo(0, 0)", card)
    height = js(driver, "var c = document.getElementById(arguments[0]); return Math.min(3000, c.getBoundingClientRect().bottom + window.scrollY + 260)", card)
    driver.set_window_size(1440, int(height))
    driver.save_screenshot(screenshot)
    check(f"enriched: screenshot written to {screenshot}", os.path.getsize(screenshot) > 10000)
    driver.set_window_size(1440, 1000)


def large(driver, directory):
    path = os.path.join(directory, "large.html")
    if not os.path.exists(path):
        return
    print(f"     large report: {os.path.getsize(path) / 1e6:.1f} MB")
    load(driver, path)
    total = int(driver.find_element(By.ID, "summary-findings").text)
    check(f"large: {total} findings, only 200 rendered at first", total >= 10000 and matching(driver) == total and cards(driver) == 200)
    check("large: no descendant trees built before expanding", js(driver, "return document.querySelectorAll('.body').length") == 0)
    js(driver, "document.getElementById('show-more').click()")
    check("large: show more renders 200 more", cards(driver) == 400)
    box = driver.find_element(By.ID, "filter-text")
    box.send_keys("replay-1")
    check("large: text filter on 10,000 findings", 0 < matching(driver) < total and cards(driver) == min(200, matching(driver)))
    js(driver, "document.querySelector('details.finding').open = true")
    WebDriverWait(driver, 30).until(lambda d: js(d, "return !!document.querySelector('details.finding .body')"))
    check("large: a finding expands", True)
    check("large: no console error", console_problems(driver) == [])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--screenshot", required=True)
    options = parser.parse_args()
    driver = make_driver()
    try:
        for step in (lambda: hostile(driver, options.dir), lambda: enriched(driver, options.dir, options.screenshot), lambda: large(driver, options.dir)):
            try:
                step()
            except UnexpectedAlertPresentException as error:
                check("no alert fired", False, str(error))
            except Exception:
                check("step finished without an exception", False, traceback.format_exc())
    finally:
        driver.quit()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
