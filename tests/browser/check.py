#!/usr/bin/env python3
"""Loads auditree HTML reports from disk in headless Chromium and checks the rendered DOM.

usage: check.py --dir DIR --screenshot PNG
DIR holds hostile-argv.html, enriched-fork.html, webshell-execve.html, benign-busy.html (made
with --show-suppressed), grouped.html (benign-busy with the package exceptions off),
repeated.html (150 replays on one host), locations.html (matches by location only, with the
exec's PATH record as evidence) and their .json twins, and optionally large.html and
million.html.
The screenshot of the process tree goes next to PNG as PNG-tree.png. Waits are on DOM conditions (WebDriverWait polls until a condition holds or a
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


# The report's own script elements: the three JSON blocks (findings, rules, process tree) and the code.
OWN_SCRIPTS = ["application/json#auditree-data", "application/json#auditree-rules", "application/json#auditree-execs", "#"]


def scripts(driver):
    return js(driver, "return Array.from(document.scripts).map(s => (s.getAttribute('type') || '') + '#' + s.id)")


def open_card(driver, selector, index=0):
    """Opens a finding card (its body is built on the toggle event) and returns its id."""
    card = js(driver, "var c = document.querySelectorAll(arguments[0])[arguments[1]]; c.open = true; return c.id", selector, index)
    WebDriverWait(driver, 30).until(lambda d: js(d, "return !!document.querySelector('#' + arguments[0] + ' .body')", card))
    return card


def show_in_tree(driver, card):
    """Clicks a card's "show in the process tree" and returns what the tree shows."""
    js(driver, "document.querySelector('#' + arguments[0] + ' button.tree-link').click()", card)
    return js(driver, """var t = document.querySelectorAll('#process-tree-root li.target');
        if (t.length !== 1) return {targets: t.length};
        var li = t[0], path = [], closed = 0;
        for (var at = li.parentElement.closest('li.pnode'); at; at = at.parentElement.closest('li.pnode')) {
          path.unshift(at.querySelector(':scope > .phead > .pid').textContent);
          if (at.getAttribute('data-open') !== 'yes') closed++;
        }
        return {targets: 1, pid: li.querySelector(':scope > .phead > .pid').textContent, path: path, closed: closed,
                visible: li.checkVisibility(), inView: Math.abs(li.getBoundingClientRect().top) < window.innerHeight,
                text: li.querySelector(':scope > .phead').textContent,
                note: document.getElementById('process-tree-from').textContent}""")


def expand_tree(driver, limit=5000):
    """Opens every node of the shown tree (building each level on the way) and returns the node count."""
    return js(driver, """var n = 0;
        for (;;) {
          var closed = Array.from(document.querySelectorAll('#process-tree-root li.pnode')).filter(li => li.getAttribute('data-open') !== 'yes' && li.querySelector(':scope > .phead > .ptoggle'));
          if (!closed.length || n > arguments[0]) break;
          closed.forEach(li => li.querySelector(':scope > .phead > .ptoggle').click());
          n += closed.length;
        }
        return document.querySelectorAll('#process-tree-root li.pnode').length""", limit)


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
    check("hostile: only the report's own 4 script elements", scripts(driver) == OWN_SCRIPTS, str(scripts(driver)))
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
    # The full process tree shows the same hostile values, as text too.
    total = expand_tree(driver)
    execs = js(driver, "return JSON.parse(document.getElementById('auditree-execs').textContent).execs.length")
    check(f"hostile: process tree fully expanded ({total} processes, {execs} execs)", total > 0 and execs == expected["summary"]["execs"])
    tree_text = js(driver, "return document.getElementById('process-tree-root').textContent")
    check("hostile: tree shows the </script> payload literally", HOSTILE_SCRIPT in tree_text)
    check("hostile: tree shows the <img onerror> payload literally", HOSTILE_IMG in tree_text)
    check("hostile: tree makes control characters visible", js(driver, "return Array.from(document.querySelectorAll('#process-tree-root .ctl')).some(s => s.textContent === '\\\\x1b')"))
    check("hostile: tree cuts the 10,000-character argument",
          js(driver, "return Array.from(document.querySelectorAll('#process-tree-root .pline')).every(l => l.textContent.length < 1500)")
          and js(driver, "return Array.from(document.querySelectorAll('#process-tree-root .cut')).some(c => /more bytes of the command line not embedded/.test(c.textContent))"))
    card = open_card(driver, "#finding-list details.finding", 0)
    shown = show_in_tree(driver, card)
    check("hostile: show in the process tree from a finding", shown.get("targets") == 1 and shown["pid"] == "pid %d" % expected["findings"][0]["process"]["pid"], str(shown))
    check("hostile: still no <img>, no on* attribute, no extra script after the tree",
          js(driver, "return document.getElementsByTagName('img').length") == 0 and scripts(driver) == OWN_SCRIPTS
          and js(driver, "return Array.from(document.querySelectorAll('*')).filter(e => Array.from(e.attributes).some(a => a.name.startsWith('on'))).length") == 0)
    check("hostile: no resource was loaded (nothing but the file itself)", js(driver, "return performance.getEntriesByType('resource').length") == 0,
          str(js(driver, "return performance.getEntriesByType('resource').map(e => e.name)")))
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
    # The full process tree: built lazily, opened down to the shell from a finding.
    tree = json.loads(js(driver, "return document.getElementById('auditree-execs').textContent"))
    roots = js(driver, "return document.querySelectorAll('#process-tree-root > li.pnode').length")
    check(f"enriched: process tree shows only its {roots} root(s) before anything is opened",
          0 < roots == js(driver, "return document.querySelectorAll('#process-tree-root li.pnode').length"))
    first = js(driver, """var li = document.querySelector('#process-tree-root li.pnode'); var b = li.querySelector(':scope > .phead > .ptoggle');
        var n = Number(b.title.split(' ')[0]); b.click(); return [n, li.querySelectorAll(':scope > ul > li.pnode').length, li.getAttribute('data-open')]""")
    check(f"enriched: opening a process builds its {first[0]} children", first[0] > 0 and first[1] == first[0] and first[2] == "yes", str(first))
    js(driver, "document.querySelector('#process-tree-root li.pnode > .phead > .ptoggle').click()")
    check("enriched: and closes it again", js(driver, "return document.querySelector('#process-tree-root li.pnode > ul').hidden"))
    shown = show_in_tree(driver, card)
    shell = findings[index]
    want_path = [a["pid"] for a in reversed(shell["ancestry"]) if a["relation"] != "replaced_image"]
    check(f"enriched: 'show in the process tree' opens the path down to the shell pid {shell['process']['pid']}",
          shown.get("targets") == 1 and shown["pid"] == "pid %d" % shell["process"]["pid"] and shown["closed"] == 0 and shown["visible"] and shown["inView"], str(shown))
    check("enriched: the tree path is the finding's ancestry", [int(p.split()[1]) for p in shown["path"]] == want_path, f"{shown.get('path')} vs {want_path}")
    check("enriched: the tree says where it was opened from", "highlighted" in shown["note"] and shell["rule"] in shown["note"])
    check("enriched: every finding's shell is in the tree", all(isinstance(i, int) for i in tree["findings"]) and len(tree["findings"]) == n)
    check("enriched: tree host note says all execs are there", "all %d execs" % expected["summary"]["execs"] in driver.find_element(By.ID, "tree-host-note").text)
    # Screenshot of the tree opened from the finding, before it is collapsed again.
    tree_png = screenshot[:-4] + "-tree.png" if screenshot.endswith(".png") else screenshot + "-tree.png"
    # From the section's heading down to a little below the highlighted shell.
    height = js(driver, """var s = document.getElementById('process-tree').getBoundingClientRect(), t = document.querySelector('#process-tree-root li.target').getBoundingClientRect();
        return Math.min(2400, Math.max(600, t.bottom - s.top + 200))""")
    driver.set_window_size(1440, int(height))
    js(driver, "window.scrollTo(0, document.getElementById('process-tree').getBoundingClientRect().top + window.scrollY - 60)")
    driver.save_screenshot(tree_png)
    driver.set_window_size(1440, 1000)
    check(f"enriched: tree screenshot written to {tree_png}", os.path.getsize(tree_png) > 10000)
    js(driver, "document.getElementById('tree-collapse').click()")
    check("enriched: collapse all shows the roots again", js(driver, "return document.querySelectorAll('#process-tree-root li.pnode').length") == roots)
    check("enriched: no suppressed section when nothing was suppressed", js(driver, "return document.getElementById('suppressed')") is None)
    check("enriched: no alert, no console error", no_alert(driver) and console_problems(driver) == [])
    # Screenshot: the summary, timeline and one expanded finding
    js(driver, "document.querySelectorAll('details.finding').forEach(d => d.open = false); var c = document.getElementById(arguments[0]); c.open = true; window.scrollTo(0, 0)", card)
    height = js(driver, "var c = document.getElementById(arguments[0]); return Math.min(3000, c.getBoundingClientRect().bottom + window.scrollY + 260)", card)
    driver.set_window_size(1440, int(height))
    driver.save_screenshot(screenshot)
    check(f"enriched: screenshot written to {screenshot}", os.path.getsize(screenshot) > 10000)
    driver.set_window_size(1440, 1000)


def webshell(driver, directory):
    """Context indicators, inferred spawners and the rule explanation, against the JSON report."""
    expected = json.load(open(os.path.join(directory, "webshell-execve.json")))
    findings = expected["findings"]
    n = len(findings)
    load(driver, os.path.join(directory, "webshell-execve.html"))
    check(f"webshell: {n} finding cards", cards(driver) == n)
    expand_all(driver)
    WebDriverWait(driver, 30).until(lambda d: js(d, "return document.querySelectorAll('#finding-list details.finding .body').length") == n)
    for i, f in enumerate(findings):
        got = js(driver, """var c = document.querySelectorAll('#finding-list details.finding')[arguments[0]];
            var why = c.querySelector('.why');
            return {why: why.textContent,
                    inferred: Array.from(c.querySelectorAll('.inferred ul.context li code')).map(x => x.textContent),
                    inferredText: (c.querySelector('.body .inferred') || {textContent: ''}).textContent,
                    context: Array.from(c.querySelectorAll('.part ul.context li code')).map(x => x.textContent),
                    tags: Array.from(c.querySelectorAll('summary .tag')).map(x => x.textContent)}""", i)
        label = f"webshell: finding {i + 1} ({f['rule']}, pid {f['process']['pid']})"
        shell = f["match"]["shell"]
        check(f"{label}: rule explanation names the shell's {shell['field']} '{shell['value']}' as entry '{shell['entry']}' of '{shell['list']}'",
              f"\u201c{shell['value']}\u201d is the entry \u201c{shell['entry']}\u201d of the list \u201c{shell['list']}\u201d" in got["why"], got["why"][:300])
        if f["spawner"]["inferred"]:
            evidence = [e["id"] for e in f["spawner"]["evidence"]]
            check(f"{label}: inferred spawner with its list, confidence and evidence {evidence}",
                  got["inferred"] == evidence and f["spawner"]["list"] in got["inferredText"] and f["spawner"]["confidence"] in got["inferredText"]
                  and any(t.startswith("inferred spawner") for t in got["tags"]), str(got))
        context = [c["id"] for c in f["context"]]
        check(f"{label}: context indicators {context} listed and tagged",
              got["context"] == context and all(c in got["tags"] for c in context), str(got))
        if f["rule_severity"] != f["severity"]:
            check(f"{label}: severity raised by context from {f['rule_severity']} to {f['severity']}",
                  f"from the rule\u2019s {f['rule_severity']} to {f['severity']}" in got["why"])
    check("webshell: at least one inferred spawner and one context indicator checked",
          any(f["spawner"]["inferred"] for f in findings) and any(f["context"] for f in findings))
    check("webshell: no alert, no console error", no_alert(driver) and console_problems(driver) == [])


def locations(driver, directory):
    """Matches by location: each finding's why-box shows the executed file from the exec's PATH record."""
    expected = json.load(open(os.path.join(directory, "locations.json")))
    findings = expected["findings"]
    n = len(findings)
    load(driver, os.path.join(directory, "locations.html"))
    check(f"locations: {n} finding cards", n > 0 and cards(driver) == n)
    expand_all(driver)
    WebDriverWait(driver, 30).until(lambda d: js(d, "return document.querySelectorAll('#finding-list details.finding .body').length") == n)
    shown = 0
    for i, f in enumerate(findings):
        got = js(driver, """var c = document.querySelectorAll('#finding-list details.finding')[arguments[0]];
            return Array.from(c.querySelectorAll('.why p.file-evidence')).map(p => ({text: p.textContent, name: p.querySelector('code').textContent}))""", i)
        want = [(who, f["match"][key]["file"]) for who, key in (("Shell", "shell"), ("Spawner", "spawner"))
                if f["match"].get(key) and f["match"][key].get("file")]
        label = f"locations: finding {i + 1} ({f['rule']}, pid {f['process']['pid']})"
        facts = lambda file: [f"{key} {file[key]}" for key in ("inode", "dev", "mode", "nametype") if file.get(key) is not None]
        check(f"{label}: the file evidence of {[who for who, _ in want]} with name, inode, dev, mode and nametype",
              len(got) == len(want) and all(g["text"].startswith(f"{who} file (the exec\u2019s PATH record): name ")
                                            and g["name"] == file["name"] and all(fact in g["text"] for fact in facts(file))
                                            for g, (who, file) in zip(got, want)), f"{got} != {want}")
        shown += len(got)
    check("locations: every finding there is a match by location with its file", shown >= n, str(shown))
    check("locations: no alert, no console error", no_alert(driver) and console_problems(driver) == [])


def suppressed(driver, directory):
    """Suppressed matches behind their toggle, with exception and reason (report made with --show-suppressed)."""
    expected = json.load(open(os.path.join(directory, "benign-busy.json")))
    entries = expected["suppressed"]
    count = expected["summary"]["suppressed"]
    load(driver, os.path.join(directory, "benign-busy.html"))
    check(f"suppressed: the summary counts {count} suppressed", driver.find_element(By.CSS_SELECTOR, "a[href='#suppressed']").text == f"{count} suppressed"
          and driver.find_element(By.ID, "suppressed-count").text == str(count))
    by_exception = js(driver, "return Array.from(document.querySelectorAll('#suppressed-by-exception li')).map(li => li.textContent)")
    check("suppressed: each exception with its count and reason",
          len(by_exception) == len(expected["summary"]["suppressed_by_exception"])
          and all(any(t.startswith(f"{k} {v}") for t in by_exception) for k, v in expected["summary"]["suppressed_by_exception"].items())
          and entries[0]["suppressed_by"]["reason"] in " ".join(by_exception), str(by_exception))
    hidden = js(driver, "var b = document.getElementById('suppressed-list'); return [b.hidden, b.checkVisibility(), b.querySelectorAll('details.finding').length]")
    check("suppressed: hidden behind the toggle, nothing built", hidden == [True, False, 0], str(hidden))
    # A click as a person makes it (the checkbox's change event), from script: the sticky header may cover the box.
    js(driver, "document.getElementById('suppressed-toggle').click()")
    shown = js(driver, "var b = document.getElementById('suppressed-list'); return [b.hidden, b.checkVisibility(), b.querySelectorAll('details.finding').length]")
    check(f"suppressed: the toggle shows the {len(entries)} suppressed match(es)", shown == [False, True, min(200, len(entries))], str(shown))
    tags = js(driver, "return Array.from(document.querySelectorAll('#suppressed-list details.finding summary .tag.supp')).map(t => t.textContent)")
    check("suppressed: each tagged with its exception", tags == ["suppressed by " + e["suppressed_by"]["exception"] for e in entries[:200]])
    card = open_card(driver, "#suppressed-list details.finding", 0)
    box = js(driver, "return document.querySelector('#' + arguments[0] + ' .suppression').textContent", card)
    first = entries[0]["suppressed_by"]
    check("suppressed: an opened match shows the exception, where it is defined and its reason",
          first["exception"] in box and first["reason"] in box and f"{first['file']}:{first['line']}" in box, box)
    check("suppressed: and says it is not a finding", "not a finding" in js(driver, "return document.querySelector('#' + arguments[0] + ' .why h4').textContent", card))
    tree = show_in_tree(driver, card)
    check("suppressed: a suppressed shell can be shown in the process tree",
          tree.get("targets") == 1 and tree["pid"] == "pid %d" % entries[0]["process"]["pid"] and tree["closed"] == 0, str(tree))
    js(driver, "document.getElementById('suppressed-toggle').click()")
    check("suppressed: the toggle hides them again", js(driver, "return document.getElementById('suppressed-list').checkVisibility()") is False)
    check(f"suppressed: the findings list still has only the {expected['summary']['findings']} finding(s)", cards(driver) == expected["summary"]["findings"])
    check("suppressed: no alert, no console error", no_alert(driver) and console_problems(driver) == [])


def occurrence_rows(driver, card):
    return js(driver, """return Array.from(document.querySelectorAll('#' + arguments[0] + ' table.occurrences tbody tr'))
        .map(tr => [tr.getAttribute('data-event'), tr.firstChild.textContent])""", card)


def grouped(driver, directory):
    """Every occurrence of a grouped finding listed in its card, with finding numbers (benign-busy, package exceptions off)."""
    expected = json.load(open(os.path.join(directory, "grouped.json")))
    findings = expected["findings"]
    load(driver, os.path.join(directory, "grouped.html"))
    metas = js(driver, "return Array.from(document.querySelectorAll('#finding-list details.finding summary .s-meta')).map(m => m.textContent)")
    check(f"grouped: each of the {len(findings)} findings shows its number",
          len(metas) == len(findings) and all(m.startswith("#%d \u00b7 " % f["number"]) for m, f in zip(metas, findings)), str(metas[:3]))
    groups = [i for i, f in enumerate(findings) if f["occurrences"] > 1]
    check("grouped: the report has grouped findings", len(groups) > 0 and expected["summary"]["grouped_repeats"] > 0)
    for i in groups:
        f = findings[i]
        card = open_card(driver, "#finding-list details.finding", i)
        rows = occurrence_rows(driver, card)
        want = [[o["event"], "#%d" % o["number"]] for o in f["seen"]]
        check(f"grouped: finding #{f['number']} lists its {f['occurrences']} occurrences with their numbers", rows == want, str(rows))
    single = next(i for i, f in enumerate(findings) if f["occurrences"] == 1)
    card = open_card(driver, "#finding-list details.finding", single)
    check("grouped: a finding seen once has no occurrence table", occurrence_rows(driver, card) == [])
    check("grouped: no alert, no console error", no_alert(driver) and console_problems(driver) == [])

    expected = json.load(open(os.path.join(directory, "repeated.json")))
    f = expected["findings"][0]
    load(driver, os.path.join(directory, "repeated.html"))
    card = open_card(driver, "#finding-list details.finding", 0)
    first = occurrence_rows(driver, card)
    check(f"repeated: {f['occurrences']} occurrences, the first 100 listed", f["occurrences"] > 100 and len(first) == 100, str(len(first)))
    more = js(driver, "var b = document.querySelector('#' + arguments[0] + ' button.occ-more'); return [b.hidden, b.textContent]", card)
    check("repeated: a button offers the rest", more == [False, "Show %d more (%d not shown yet)" % (min(100, f["occurrences"] - 100), f["occurrences"] - 100)], str(more))
    js(driver, "document.querySelector('#' + arguments[0] + ' button.occ-more').click()", card)
    rows = occurrence_rows(driver, card)
    check("repeated: after it, every occurrence in log order",
          rows == [[o["event"], "#%d" % o["number"]] for o in f["seen"]], str(len(rows)))
    check("repeated: and the button is gone",
          js(driver, "return document.querySelector('#' + arguments[0] + ' button.occ-more').hidden", card) is True)
    check("repeated: no alert, no console error", no_alert(driver) and console_problems(driver) == [])


def open_generated(driver, directory, name, label, switch):
    """Loads a report the run generated only on request; its number of findings, or None (said
    on a SKIP line, so a skipped check is never a silent pass) when absent."""
    path = os.path.join(directory, name)
    if not os.path.exists(path):
        print(f"SKIP {label}: {name} was not generated ({switch})")
        return None
    print(f"     {label}: {os.path.getsize(path) / 1e6:.1f} MB")
    load(driver, path)
    return int(driver.find_element(By.ID, "summary-findings").text)


def large(driver, directory):
    total = open_generated(driver, directory, "large.html", "large report", "AUDITREE_SKIP_LARGE=1 leaves it out")
    if total is None:
        return
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
    tree_checks(driver, "large")
    check("large: no console error", console_problems(driver) == [])


def tree_checks(driver, name):
    """The process tree of a report over the caps: lazy, cut where it says, and reachable from the findings beyond the cap."""
    tree = json.loads(js(driver, "return document.getElementById('auditree-execs').textContent"))
    per_host, in_all = tree["caps"][0], tree["caps"][1]
    hosts = tree["hosts"]
    in_log = sum(h[1] for h in hosts)
    embedded = sum(h[2] for h in hosts)
    print(f"     {name}: {in_log} execs on {len(hosts)} hosts, {embedded} embedded")
    check(f"{name}: tree embeds at most {per_host} execs per host and {in_all} in all, besides the finding paths",
          len(tree["execs"]) == embedded and embedded <= in_all + 65 * len(tree["findings"]) and all(h[2] <= per_host + 65 * len(tree["findings"]) for h in hosts) and embedded < in_log)
    check(f"{name}: host selector lists the {len(hosts)} hosts", js(driver, "return document.querySelectorAll('#tree-host option').length") == len(hosts))
    check(f"{name}: at most 500 tree nodes built at first", js(driver, "return document.querySelectorAll('#process-tree-root li.pnode').length") <= 501)
    busy = [i for i, h in enumerate(hosts) if h[0] and h[0].startswith("busy-")]
    if not busy:
        print(f"SKIP {name}: no busy host, so no finding logged beyond the tree's cap to open")
        return
    Select(driver.find_element(By.ID, "tree-host")).select_by_value(str(busy[0]))
    host = hosts[busy[0]]
    note = driver.find_element(By.ID, "tree-host-note").text
    check(f"{name}: {host[0]} says {host[2]} of its {host[1]} execs are embedded", f"{host[2]} of its {host[1]} execs are embedded" in note, note)
    # Open down the first child at each level (init, the busy bash, its first worker) to a process with over 500 children.
    root = js(driver, """var li = document.querySelector('#process-tree-root > li.pnode'), guard = 0;
        for (;;) {
          var toggle = li.querySelector(':scope > .phead > .ptoggle');
          if (!toggle || guard++ > 10) return null;
          toggle.click();
          if (Number(toggle.title.split(' ')[0]) > 500) break;
          li = li.querySelector(':scope > ul > li.pnode');
        }
        li.id = 'busy-worker';
        var more = li.querySelector(':scope > ul > li.pmore button');
        return {kids: Number(li.querySelector(':scope > .phead > .ptoggle').title.split(' ')[0]),
                children: li.querySelectorAll(':scope > ul > li.pnode').length, more: more && more.textContent,
                cut: Array.from(document.querySelectorAll('#process-tree-root .tree-cut')).map(c => c.textContent)}""")
    check(f"{name}: a process with {root and root['kids']} children builds 500 and offers the rest",
          root is not None and root["children"] == 500 and root["more"] and f"{root['kids'] - 500} not shown yet" in root["more"], str(root)[:300])
    check(f"{name}: the cut is told on the process where it happened", root is not None and any("child process(es)" in c and "not embedded" in c for c in root["cut"]), str(root)[:300])
    js(driver, "document.querySelector('#busy-worker > ul > li.pmore button').click()")
    check(f"{name}: show more builds the rest", js(driver, "return document.querySelectorAll('#busy-worker > ul > li.pnode').length") == min(1000, root["kids"] if root else 0))
    # The busy host's finding was logged after the cap: its path is embedded all the same.
    findings = json.loads(js(driver, "return document.getElementById('auditree-data').textContent"))["findings"]
    target = next(i for i, f in enumerate(findings) if f["host"] == host[0])
    js(driver, "document.getElementById('filter-reset').click()")
    Select(driver.find_element(By.ID, "filter-host")).select_by_value(host[0])
    check(f"{name}: host filter shows the finding on {host[0]}", matching(driver) == 1)
    card = open_card(driver, "#finding-list details.finding", 0)
    shown = show_in_tree(driver, card)
    check(f"{name}: the finding on {host[0]}, logged beyond the cap, opens in the tree",
          shown.get("targets") == 1 and shown["pid"] == "pid %d" % findings[target]["process"]["pid"] and shown["closed"] == 0 and shown["visible"], str(shown))


def million(driver, directory):
    total = open_generated(driver, directory, "million.html", "million-exec report", "AUDITREE_MILLION=1 adds it")
    if total is None:
        return
    check(f"million: {total} findings, 200 rendered", total >= 10000 and cards(driver) == 200)
    tree_checks(driver, "million")
    check("million: no console error", console_problems(driver) == [])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--screenshot", required=True)
    options = parser.parse_args()
    driver = make_driver()
    try:
        for step in (lambda: hostile(driver, options.dir), lambda: enriched(driver, options.dir, options.screenshot),
                     lambda: webshell(driver, options.dir), lambda: locations(driver, options.dir),
                     lambda: suppressed(driver, options.dir),
                     lambda: grouped(driver, options.dir),
                     lambda: large(driver, options.dir), lambda: million(driver, options.dir)):
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
