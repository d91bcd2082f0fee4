// auditree HTML report. Every value from the log reaches the page through
// textContent (see text()); nothing here parses a string as markup or code,
// and no element gets an inline handler.
(function () {
  'use strict';
  var PAGE = 200;          // findings rendered at first and per "show more"
  var ARG_CAP = 2000;      // characters of one argument shown before "show all"
  var OCC_PAGE = 100;      // occurrences of a grouped finding listed at first and per "show more"
  var LINE_CAP = 300;      // characters of a one-line command (lists, headers)
  var BINS = 60;           // timeline bars
  var TREE_CAP = 500;      // children of one process built per expansion of the full tree
  var SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
  var FIELD_NAMES = { exe: 'executable name (exe)', comm: 'command name (comm)', argv0: 'argv[0]', applet: 'multicall applet (argv)' };

  // A long value is written once, in data.long_values; each place holds a preview and its
  // number (KEY_ref, docs/json-output.md). Put the whole value back in each place: JavaScript
  // strings and arrays are shared, so the page holds each value once too.
  function resolveLongValues(d) {
    var table = d.long_values || [];
    function text(o, key) {
      var entry = o ? table[o[key + '_ref']] : undefined;
      if (!entry || entry.kind !== 'string') return;
      o[key] = entry.value;
      if (entry.value_hex !== undefined) o[key + '_hex'] = entry.value_hex;
    }
    function processFields(p) {
      if (!p) return;
      ['exe', 'comm', 'cwd', 'tty', 'key'].forEach(function (key) { text(p, key); });
      var entry = table[p.argv_ref];
      if (entry && entry.kind === 'argv') {
        p.argv = entry.argv;
        if (entry.argv_hex !== undefined) p.argv_hex = entry.argv_hex;
      }
    }
    (d.findings || []).concat(d.suppressed || []).forEach(function (f) {
      processFields(f.process);
      processFields(f.spawner);
      (f.ancestry || []).forEach(processFields);
      (f.descendants || []).forEach(processFields);
      if (f.match) {
        [f.match.shell, f.match.spawner].forEach(function (e) {
          if (!e) return;
          text(e, 'value');
          text(e.file, 'name');
        });
      }
    });
  }

  var data = JSON.parse(document.getElementById('auditree-data').textContent);
  var rules = JSON.parse(document.getElementById('auditree-rules').textContent);
  resolveLongValues(data);
  var findings = data.findings;
  var suppressed = data.suppressed || [];
  var execsElement = document.getElementById('auditree-execs');
  var times = findings.map(function (f) { return f.process.known ? Date.parse(f.process.time) : NaN; });
  var haystacks = null;

  // ---- DOM helpers: text only -------------------------------------------------

  var UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ufffd]/g;

  function escapeName(ch) {
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    if (ch === '\t') return '\\t';
    var code = ch.charCodeAt(0);
    if (code < 0x100) return '\\x' + (code < 16 ? '0' : '') + code.toString(16);
    return '\\u{' + code.toString(16) + '}';
  }

  // A fragment showing s as text, with control, bidi and replacement characters made visible.
  function text(s) {
    var fragment = document.createDocumentFragment();
    s = String(s);
    UNSAFE.lastIndex = 0;
    var last = 0, match;
    while ((match = UNSAFE.exec(s)) !== null) {
      if (match.index > last) fragment.appendChild(document.createTextNode(s.slice(last, match.index)));
      var span = document.createElement('span');
      if (match[0] === '\ufffd') {
        span.className = 'bad';
        span.textContent = '\ufffd';
        span.title = 'a byte that is not valid UTF-8 (exact bytes in the hex line)';
      } else {
        span.className = 'ctl';
        span.textContent = escapeName(match[0]);
        span.title = 'control character in the log';
      }
      fragment.appendChild(span);
      last = match.index + 1;
    }
    if (last < s.length) fragment.appendChild(document.createTextNode(s.slice(last)));
    return fragment;
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined && content !== null) node.appendChild(typeof content === 'object' ? content : text(content));
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function shorten(s, cap) { return s.length > cap ? s.slice(0, cap) + '\u2026 [' + (s.length - cap) + ' more characters]' : s; }

  // ---- formatting --------------------------------------------------------------

  function quote(arg) {
    if (/^[A-Za-z0-9_.\/:=@%+,-]+$/.test(arg)) return arg;
    return "'" + arg.replace(/'/g, "'\\''") + "'";
  }

  function commandLine(p) {
    if (!p.known) return 'unknown: the log never describes this process';
    if (p.origin === 'observed') return '(no exec logged; seen as ' + (p.comm === null ? '?' : p.comm) + ')';
    if (p.origin === 'inherited') return "(forked, no exec logged; runs its parent's program as " + (p.comm === null ? '?' : p.comm) + ')';
    var line = p.argv.map(quote).join(' ');
    if (!p.argv_complete) line += ' [command line incomplete in the log]';
    return line;
  }

  function idText(id, name) {
    if (id === null || id === undefined) return '?';
    if (id === 4294967295) return 'unset';
    if (!name || name.indexOf('unknown(') === 0) return String(id);
    return id + '(' + name + ')';
  }

  function userText(p) {
    if (!p.known) return '?';
    var parts = ['uid=' + idText(p.uid, p.user)];
    if (p.euid !== null && p.euid !== p.uid) parts.push('euid=' + p.euid);
    parts.push('auid=' + idText(p.auid, null));
    if (p.ses !== null) parts.push('ses=' + (p.ses === 4294967295 ? 'unset' : p.ses));
    if (p.tty !== null) parts.push('tty=' + p.tty);
    return parts.join(' ');
  }

  function hostName(f) { return f.host === null ? '(no host)' : f.host; }

  // ---- filters -----------------------------------------------------------------

  var state = { rule: '', severity: '', host: '', text: '', from: null, to: null };
  var matching = [];     // indices of findings passing every filter
  var rendered = 0;

  function haystack(i) {
    if (haystacks === null) haystacks = new Array(findings.length);
    if (haystacks[i] === undefined) {
      var f = findings[i], parts = [f.rule, f.rule_name, f.severity, hostName(f)];
      var add = function (p) {
        parts.push('pid ' + p.pid);
        if (!p.known) return;
        parts.push(p.exe || '', p.comm || '', p.argv.join(' '), p.cwd || '', p.user || '', userText(p));
      };
      add(f.process); add(f.spawner);
      f.ancestry.forEach(add); f.descendants.forEach(add);
      haystacks[i] = parts.join('\n').toLowerCase();
    }
    return haystacks[i];
  }

  function passes(i, ignoreTime) {
    var f = findings[i];
    if (state.rule && f.rule !== state.rule) return false;
    if (state.severity && f.severity !== state.severity) return false;
    if (state.host && hostName(f) !== state.host) return false;
    if (!ignoreTime && state.from !== null && !(times[i] >= state.from && times[i] < state.to)) return false;
    if (state.text && haystack(i).indexOf(state.text) < 0) return false;
    return true;
  }

  function fillSelect(id, values, label) {
    var select = document.getElementById(id);
    values.forEach(function (value) {
      var option = document.createElement('option');
      option.value = value;
      option.textContent = label ? label(value) : value;
      select.appendChild(option);
    });
  }

  function distinct(key) {
    var seen = {}, out = [];
    findings.forEach(function (f) { var v = key(f); if (!Object.prototype.hasOwnProperty.call(seen, v)) { seen[v] = true; out.push(v); } });
    return out.sort();
  }

  // ---- findings list -----------------------------------------------------------

  var list = document.getElementById('finding-list');
  var status = document.getElementById('findings-status');
  var more = document.getElementById('show-more');

  function apply() {
    matching = [];
    for (var i = 0; i < findings.length; i++) if (passes(i, false)) matching.push(i);
    clear(list);
    rendered = 0;
    renderMore();
    drawTimeline();
  }

  function renderMore() {
    var end = Math.min(matching.length, rendered + PAGE);
    var fragment = document.createDocumentFragment();
    for (var k = rendered; k < end; k++) fragment.appendChild(card(matching[k], false));
    list.appendChild(fragment);
    rendered = end;
    list.setAttribute('data-matching', String(matching.length));
    list.setAttribute('data-rendered', String(rendered));
    status.textContent = matching.length === findings.length
      ? 'Showing ' + rendered + ' of ' + findings.length + ' findings, oldest first.'
      : 'Showing ' + rendered + ' of ' + matching.length + ' matching findings (' + findings.length + ' in total), oldest first.';
    var left = matching.length - rendered;
    more.hidden = left <= 0;
    more.textContent = 'Show ' + Math.min(PAGE, left) + ' more (' + left + ' not shown yet)';
  }

  function card(i, isSuppressed) {
    var f = (isSuppressed ? suppressed : findings)[i], p = f.process;
    var details = el('details', 'finding sev-' + f.severity + (isSuppressed ? ' suppressed' : ''));
    details.id = (isSuppressed ? 'suppressed-' : 'finding-') + (i + 1);
    details.setAttribute('data-index', String(i));
    if (isSuppressed) details.setAttribute('data-set', 'suppressed');
    var summary = el('summary');
    summary.appendChild(el('span', 's-sev', el('span', 'badge sev-' + f.severity, f.severity)));
    summary.appendChild(el('span', 's-time', p.known ? p.time.replace('T', ' ') : 'time unknown'));
    var rule = el('span', 's-rule', f.rule);
    rule.title = f.rule_name;
    summary.appendChild(rule);
    var cmd = el('span', 's-cmd');
    var tags = el('span', 's-tags');
    if (f.occurrences > 1) tags.appendChild(el('span', 'tag occ', '\u00d7' + f.occurrences));
    if (f.spawner.inferred) tags.appendChild(el('span', 'tag inferred', 'inferred spawner (' + f.spawner.confidence + ')'));
    (f.context || []).forEach(function (c) { var t = el('span', 'tag ctx', c.id); t.title = c.description; tags.appendChild(t); });
    if (isSuppressed && f.suppressed_by) tags.appendChild(el('span', 'tag supp', 'suppressed by ' + f.suppressed_by.exception));
    if (tags.firstChild) cmd.appendChild(tags);
    cmd.appendChild(el('span', 's-meta', (f.number === null || f.number === undefined ? '' : '#' + f.number + ' \u00b7 ') + hostName(f) + ' \u00b7 pid ' + p.pid + ' \u00b7 ' + (p.known ? idText(p.uid, p.user) : '?')));
    cmd.appendChild(text(shorten(commandLine(p), LINE_CAP)));
    summary.appendChild(cmd);
    details.appendChild(summary);
    details.addEventListener('toggle', function () { if (details.open) build(details); });
    return details;
  }

  function build(details) {
    if (details.getAttribute('data-built') === 'yes') return;
    details.setAttribute('data-built', 'yes');
    var isSuppressed = details.getAttribute('data-set') === 'suppressed';
    var index = Number(details.getAttribute('data-index'));
    var f = (isSuppressed ? suppressed : findings)[index];
    var body = el('div', 'body');
    if (isSuppressed && f.suppressed_by) body.appendChild(suppression(f.suppressed_by));
    body.appendChild(why(f, isSuppressed));
    if (f.context && f.context.length) body.appendChild(contextPart(f));
    if (f.occurrences > 1) body.appendChild(occurrencesPart(f));
    body.appendChild(facts(f));
    body.appendChild(argvBlock(f.process));
    body.appendChild(ancestry(f));
    body.appendChild(descendants(f));
    body.appendChild(treeLink(f, isSuppressed, index));
    details.appendChild(body);
  }

  function section(title, content) {
    var div = el('div', 'part');
    div.appendChild(el('h4', null, title));
    if (content) div.appendChild(content);
    return div;
  }

  function evidenceSentence(who, e) {
    var p = el('p');
    p.appendChild(el('strong', null, who));
    p.appendChild(text(': its ' + (FIELD_NAMES[e.field] || e.field) + ' \u201c'));
    p.appendChild(el('code', null, e.value));
    p.appendChild(text('\u201d is the entry \u201c'));
    p.appendChild(el('code', null, e.entry));
    p.appendChild(text('\u201d of the list \u201c'));
    p.appendChild(el('code', null, e.list));
    p.appendChild(text('\u201d.'));
    return p;
  }

  // A match by location (a temp directory, memfd, a deleted file): the executed file's identity
  // from the exec's PATH record (match.*.file), as the text and JSON reports give it.
  function fileEvidence(who, file) {
    var p = el('p', 'file-evidence');
    p.appendChild(el('strong', null, who + ' file'));
    p.appendChild(text(' (the exec\u2019s PATH record): name '));
    if (file.name === null || file.name === undefined) p.appendChild(text('(none)'));
    else p.appendChild(el('code', null, file.name));
    if (file.name === '') p.appendChild(text(' (empty: an execveat on a file descriptor)'));
    var parts = [];
    if (file.inode !== null && file.inode !== undefined) parts.push('inode ' + file.inode);
    if (file.dev !== undefined) parts.push('dev ' + file.dev);
    if (file.mode !== undefined) parts.push('mode ' + file.mode);
    if (file.nametype !== undefined) parts.push('nametype ' + file.nametype);
    p.appendChild(text((parts.length ? ', ' + parts.join(', ') : '') + '.'));
    if (file.name_hex) { p.appendChild(el('br')); p.appendChild(el('span', 'hex', 'not valid UTF-8; bytes: ' + file.name_hex)); }
    return p;
  }

  function why(f, isSuppressed) {
    var rule = rules[f.rule] || { name: f.rule_name, description: '', category: f.category, mitre: f.mitre };
    var box = el('div', 'why');
    box.appendChild(el('h4', null, isSuppressed ? 'What the rule matched (suppressed: not a finding)' : 'Why this is a finding'));
    var head = el('p');
    head.appendChild(el('span', 'badge sev-' + f.severity, f.severity));
    head.appendChild(text(' '));
    head.appendChild(el('code', null, f.rule));
    head.appendChild(text(' \u2014 ' + rule.name));
    box.appendChild(head);
    if (rule.description) box.appendChild(el('p', null, rule.description));
    if (f.rule_severity && f.rule_severity !== f.severity) {
      box.appendChild(el('p', 'raised', 'Severity raised by context from the rule\u2019s ' + f.rule_severity + ' to ' + f.severity + '.'));
    }
    box.appendChild(evidenceSentence('Shell', f.match.shell));
    if (f.match.shell.file) box.appendChild(fileEvidence('Shell', f.match.shell.file));
    var relation = f.spawner.relation === 'replaced_image' ? 'the image its own pid ran before the exec'
      : f.spawner.relation === 'ancestor' ? 'an ancestor' : 'its parent';
    if (f.spawner.launchers_skipped > 0) relation += ', through ' + f.spawner.launchers_skipped + ' launcher(s)';
    if (f.spawner.inferred) box.appendChild(inferredPart(f, relation));
    else if (f.match.spawner) {
      box.appendChild(evidenceSentence('Spawner, pid ' + f.spawner.pid + ' (' + relation + ')', f.match.spawner));
      if (f.match.spawner.file) box.appendChild(fileEvidence('Spawner', f.match.spawner.file));
    }
    var meta = [];
    if (rule.category) meta.push('category ' + rule.category);
    if (rule.mitre && rule.mitre.length) meta.push('MITRE ATT&CK ' + rule.mitre.join(', '));
    if (rule.author) meta.push('Sigma rule by ' + rule.author);
    if (rule.references && rule.references.length) meta.push('references ' + rule.references.join(' '));
    if (meta.length) box.appendChild(el('p', 'muted', meta.join(' \u00b7 ')));
    return box;
  }

  function contextList(items) {
    var ul = el('ul', 'context');
    items.forEach(function (c) {
      var li = el('li');
      li.appendChild(el('code', null, c.id));
      li.appendChild(text(' \u2014 ' + c.description + ' '));
      li.appendChild(el('span', 'muted', '(on the ' + c.on + ', pid ' + c.pid + (c.raise > 0 ? ', raises severity by ' + c.raise : '') + ')'));
      ul.appendChild(li);
    });
    return ul;
  }

  function inferredPart(f, relation) {
    var box = el('div', 'inferred');
    var p = el('p');
    p.appendChild(el('strong', null, 'Spawner inferred, pid ' + f.spawner.pid + ' (' + relation + ')'));
    p.appendChild(text(': the log never describes this process, so it is not a certain parent. Context stood in for it as the list \u201c'));
    p.appendChild(el('code', null, f.spawner.list));
    p.appendChild(text('\u201d, confidence '));
    p.appendChild(el('span', 'tag conf-' + f.spawner.confidence, f.spawner.confidence));
    p.appendChild(text('. Evidence:'));
    box.appendChild(p);
    box.appendChild(contextList(f.spawner.evidence || []));
    return box;
  }

  function contextPart(f) {
    return section('Context indicators (' + f.context.length + ')', contextList(f.context));
  }

  // Every exec behind a grouped finding, OCC_PAGE rows at a time.
  function occurrencesPart(f) {
    var seen = f.seen || [];
    var table = el('table', 'occurrences');
    var head = el('tr');
    ['#', 'time', 'event', 'shell pid', 'spawner pid', 'record'].forEach(function (h) { head.appendChild(el('th', null, h)); });
    table.appendChild(el('thead', null, head));
    var tbody = el('tbody');
    table.appendChild(tbody);
    var box = el('div');
    box.appendChild(table);
    var more = el('button', 'occ-more');
    more.type = 'button';
    var shown = 0;
    function render() {
      var end = Math.min(seen.length, shown + OCC_PAGE);
      for (; shown < end; shown++) {
        var o = seen[shown], tr = el('tr');
        tr.setAttribute('data-event', o.event);
        [o.number === null ? '\u2014' : '#' + o.number, o.time, o.event, String(o.pid), String(o.spawner_pid), o.file + ':' + o.line]
          .forEach(function (v) { tr.appendChild(el('td', null, v)); });
        tbody.appendChild(tr);
      }
      var left = seen.length - shown;
      more.hidden = left <= 0;
      more.textContent = 'Show ' + Math.min(OCC_PAGE, left) + ' more (' + left + ' not shown yet)';
    }
    more.addEventListener('click', render);
    render();
    box.appendChild(more);
    return section('Seen ' + f.occurrences + ' times (identical findings grouped: same rule, host, spawner exe, command line); each one', box);
  }

  function suppression(s) {
    var box = el('div', 'why suppression');
    var p = el('p');
    p.appendChild(el('strong', null, 'Suppressed by the exception '));
    p.appendChild(el('code', null, s.exception));
    p.appendChild(text(' (' + s.scope + ', ' + s.file + ':' + s.line + '). Reason: '));
    p.appendChild(el('span', 'reason', s.reason));
    box.appendChild(p);
    return box;
  }

  function factRow(dl, label, value, hex) {
    dl.appendChild(el('dt', null, label));
    var dd = el('dd', null, value === null || value === undefined ? '?' : value);
    if (hex) { dd.appendChild(el('br')); dd.appendChild(el('span', 'hex', 'not valid UTF-8; bytes: ' + hex)); }
    dl.appendChild(dd);
  }

  function facts(f) {
    var p = f.process, dl = el('dl', 'facts');
    factRow(dl, 'time', p.known ? p.time + '  (event ' + p.event + ')' : '?');
    factRow(dl, 'host', hostName(f));
    factRow(dl, 'user', userText(p));
    factRow(dl, 'pid', p.pid + (p.ppid === null ? '' : '  (ppid ' + p.ppid + ')'));
    if (p.known) {
      factRow(dl, 'exe', p.exe, p.exe_hex);
      factRow(dl, 'comm', p.comm, p.comm_hex);
      factRow(dl, 'cwd', p.cwd, p.cwd_hex);
      if (p.key !== null) factRow(dl, 'key', p.key, p.key_hex);
    }
    factRow(dl, 'record', f.location.file + ':' + f.location.line);
    return section('The shell', dl);
  }

  function argument(value, hex) {
    var li = el('li');
    var shown = value.length > ARG_CAP ? value.slice(0, ARG_CAP) : value;
    var span = el('span', null, shown);
    li.appendChild(span);
    if (value.length > ARG_CAP) {
      var button = el('button', 'reveal', 'show all ' + value.length + ' characters');
      button.type = 'button';
      li.appendChild(button);
      button.addEventListener('click', function () {
        clear(span);
        span.appendChild(text(value));
        li.removeChild(button);
      });
      li.setAttribute('data-cut', String(value.length - ARG_CAP));
    }
    if (hex) li.appendChild(el('div', 'hex', 'not valid UTF-8; bytes: ' + hex));
    return li;
  }

  function argvBlock(p) {
    if (!p.known || p.argv.length === 0) return section('Command line', el('p', 'empty', 'no command line in the log'));
    var ol = el('ol', 'argv');
    ol.start = 0;
    p.argv.forEach(function (value, index) { ol.appendChild(argument(value, p.argv_hex ? p.argv_hex[index] : null)); });
    var part = section('Command line (argv, one argument per line, exactly as logged)', ol);
    if (!p.argv_complete) part.appendChild(el('p', 'cut', 'The log promised more arguments than it recorded: the command line is incomplete.'));
    return part;
  }

  function processLine(li, p, relation) {
    li.appendChild(el('span', 'pid', 'pid ' + p.pid));
    if (p.known) {
      li.appendChild(el('span', 'who', p.time.slice(11, 23) + ' ' + idText(p.uid, p.user)));
      if (p.exe !== null) li.appendChild(el('span', 'who', shorten(p.exe, LINE_CAP)));
    }
    li.appendChild(text(shorten(commandLine(p), LINE_CAP)));
    if (relation) li.appendChild(el('span', 'rel', relation));
    return li;
  }

  function relationText(a) {
    if (a.relation === 'replaced_image') return a.generation === 0 ? 'same pid, before exec' : 'same pid, earlier image';
    return a.relation;
  }

  function ancestry(f) {
    var ul = el('ul', 'chain');
    var spawnerAt = -1;
    for (var i = 0; i < f.ancestry.length; i++) {
      if (f.ancestry[i].pid === f.spawner.pid && f.ancestry[i].relation === f.spawner.relation) { spawnerAt = i; break; }
    }
    for (var j = f.ancestry.length - 1; j >= 0; j--) {
      var a = f.ancestry[j];
      var label = relationText(a) + (j === spawnerAt ? ' \u00b7 spawner' : '');
      ul.appendChild(processLine(el('li', j === spawnerAt ? 'spawner' : null), a, label));
    }
    ul.appendChild(processLine(el('li', 'shell'), f.process, 'the shell'));
    return section('Ancestry (oldest first, down to the shell)', ul);
  }

  function descendants(f) {
    var part = section('What the shell ran (' + f.descendants.length + (f.descendants_omitted ? ' shown' : '') + ')');
    if (f.descendants.length === 0) {
      part.appendChild(el('p', 'empty', 'nothing logged below the shell'));
      return part;
    }
    // Depth 1 is a child of the shell and depth 0 a later exec of the shell's own pid:
    // both sit at the top of the tree, under the shell.
    var root = el('ul', 'tree');
    var stack = [root];   // stack[level] = the <ul> that takes that level
    var lastItem = [];    // lastItem[level] = the last <li> placed at that level
    f.descendants.forEach(function (d) {
      var depth = Math.min(Math.max(0, d.depth - 1), lastItem.length);
      stack.length = depth + 1;
      if (!stack[depth]) {
        // first child of the previous node: turn it into a collapsible node
        var parentItem = lastItem[depth - 1];
        var node = el('details', 'node');
        node.open = depth < 3;
        var summary = el('summary');
        while (parentItem.firstChild) summary.appendChild(parentItem.firstChild);
        node.appendChild(summary);
        var ul = el('ul');
        node.appendChild(ul);
        parentItem.appendChild(node);
        stack[depth] = ul;
      }
      var li = processLine(el('li'), d, d.depth === 0 ? 'same pid, later exec' : null);
      stack[depth].appendChild(li);
      lastItem[depth] = li;
      lastItem.length = depth + 1;
    });
    part.appendChild(root);
    if (f.descendants_omitted > 0) {
      part.appendChild(el('p', 'cut', f.descendants_omitted + ' more descendant(s) not shown: the scan keeps the first 200 per finding.'));
    }
    return part;
  }

  function treeLink(f, isSuppressed, index) {
    var target = null;
    if (execsElement) {
      var ids = execIndex()[isSuppressed ? 'suppressed' : 'findings'] || [];
      target = typeof ids[index] === 'number' ? ids[index] : null;
    }
    var button = el('button', 'tree-link', target === null ? 'Full process tree of ' + hostName(f) : 'Show in the process tree of ' + hostName(f));
    button.type = 'button';
    button.addEventListener('click', function () {
      var note = document.getElementById('process-tree-from');
      if (target === null) {
        note.textContent = execsElement
          ? 'The shell of this finding (host ' + hostName(f) + ', pid ' + f.process.pid + ') is not among the execs of this report.'
          : 'Asked for from a finding on host ' + hostName(f) + ' (pid ' + f.process.pid + '): the full tree is not in this report.';
        document.getElementById('process-tree').scrollIntoView();
        return;
      }
      revealProcess(target, 'Opened from the finding ' + f.rule + ' on host ' + hostName(f) + ': the path down to its shell (pid ' + f.process.pid + ', highlighted).');
    });
    return button;
  }

  // ---- full process tree (only when the report embeds the execs) ------------------
  // Built from the auditree-execs block (see HTMLProcessTree.swift for its layout). The
  // index is made once; DOM nodes only when a process is opened, TREE_CAP children at a time,
  // so a host with tens of thousands of processes costs nothing until someone browses it.

  var execData = null;
  var procs = null;        // process id -> {id, parent, pid, host, execs: [row], cutExecs, cutChildren, parentMissing}
  var childrenOf = null;   // process id -> [child process id], log order
  var rootsOf = null;      // host index -> [root process id]
  var treeHost = null;

  function execIndex() {
    if (execData === null) execData = JSON.parse(execsElement.textContent);
    return execData;
  }

  function treeHostName(index) {
    var name = execIndex().hosts[index][0];
    return name === null ? '(no host)' : name;
  }

  function indexTree() {
    if (procs !== null) return;
    var d = execIndex();
    procs = new Map(); childrenOf = new Map(); rootsOf = new Map();
    var order = [];
    var add = function (id, parent, pid, host) {
      var p = procs.get(id);
      if (!p) {
        p = { id: id, parent: parent, pid: pid, host: host, execs: [], cutExecs: 0, cutChildren: 0, parentMissing: false };
        procs.set(id, p);
        order.push(id);
      }
      return p;
    };
    d.execs.forEach(function (row) { add(row[0], row[1], row[2], row[3]).execs.push(row); });
    d.stubs.forEach(function (row) { add(row[0], row[1], row[2], row[3]); });
    d.cut.forEach(function (row) { var p = procs.get(row[0]); if (p) { p.cutExecs = row[1]; p.cutChildren = row[2]; } });
    order.forEach(function (id) {
      var p = procs.get(id);
      if (p.parent !== null && p.parent !== id && procs.has(p.parent)) {
        if (!childrenOf.has(p.parent)) childrenOf.set(p.parent, []);
        childrenOf.get(p.parent).push(id);
      } else {
        p.parentMissing = p.parent !== null && p.parent !== id;
        p.parent = null;
        if (!rootsOf.has(p.host)) rootsOf.set(p.host, []);
        rootsOf.get(p.host).push(id);
      }
    });
  }

  function execLine(row, first) {
    var span = el('span', 'pline');
    span.appendChild(el('span', 'who', (first ? '' : 'then ') + row[4].replace('T', ' ') + ' uid=' + (row[5] === null ? '?' : row[5])));
    if (row[6] !== null) span.appendChild(el('span', 'who', shorten(row[6], LINE_CAP)));
    span.appendChild(text(shorten(row[7].map(quote).join(' '), LINE_CAP)));
    if (row[8] > 0) span.appendChild(el('span', 'cut', ' \u2026 [' + row[8] + ' more bytes of the command line not embedded]'));
    return span;
  }

  // One process of the full tree; its children are built the first time it is opened.
  function treeNode(id) {
    var p = procs.get(id);
    var li = el('li', 'pnode');
    li.setAttribute('data-process', String(id));
    var kids = childrenOf.get(id) || [];
    var head = el('div', 'phead');
    if (kids.length) {
      var toggle = el('button', 'ptoggle', '\u25b8');
      toggle.type = 'button';
      toggle.setAttribute('aria-expanded', 'false');
      toggle.title = kids.length + ' child process(es)';
      toggle.addEventListener('click', function () { setOpen(li, li.getAttribute('data-open') !== 'yes'); });
      head.appendChild(toggle);
    } else {
      head.appendChild(el('span', 'pleaf', '\u00b7'));
    }
    head.appendChild(el('span', 'pid', 'pid ' + p.pid));
    if (p.execs.length === 0) {
      head.appendChild(el('span', 'muted', p.cutExecs > 0
        ? '(its ' + p.cutExecs + ' exec(s) are not embedded in this report: cap)'
        : '(no exec in the log' + (p.parent === null && !p.parentMissing ? '; parent unknown' : '') + ')'));
    }
    p.execs.forEach(function (row, n) { if (n > 0) head.appendChild(el('br')); head.appendChild(execLine(row, n === 0)); });
    if (kids.length) head.appendChild(el('span', 'rel', kids.length + ' child(ren)'));
    if (p.parentMissing) head.appendChild(el('span', 'rel', 'parent not in this report'));
    var cuts = [];
    if (p.execs.length > 0 && p.cutExecs > 0) cuts.push(p.cutExecs + ' more exec(s) of this process');
    if (p.cutChildren > 0) cuts.push(p.cutChildren + ' child process(es)');
    if (cuts.length) head.appendChild(el('span', 'cut tree-cut', ' ' + cuts.join(' and ') + ' not embedded (cap)'));
    li.appendChild(head);
    return li;
  }

  // Appends up to TREE_CAP more nodes of ids to ul, with a "show more" button for the rest.
  function fillChildren(ul, ids) {
    var shown = Number(ul.getAttribute('data-shown') || '0');
    var old = ul.querySelector(':scope > li.pmore');
    if (old) ul.removeChild(old);
    var end = Math.min(ids.length, shown + TREE_CAP);
    var fragment = document.createDocumentFragment();
    for (var k = shown; k < end; k++) fragment.appendChild(treeNode(ids[k]));
    ul.appendChild(fragment);
    ul.setAttribute('data-shown', String(end));
    if (end < ids.length) {
      var li = el('li', 'pmore');
      var button = el('button', null, 'Show ' + Math.min(TREE_CAP, ids.length - end) + ' more (' + (ids.length - end) + ' not shown yet)');
      button.type = 'button';
      button.addEventListener('click', function () { fillChildren(ul, ids); });
      li.appendChild(button);
      ul.appendChild(li);
    }
  }

  function setOpen(li, open) {
    var id = Number(li.getAttribute('data-process'));
    var ul = li.querySelector(':scope > ul');
    if (open && !ul) { ul = el('ul', 'pchildren'); li.appendChild(ul); fillChildren(ul, childrenOf.get(id) || []); }
    if (ul) ul.hidden = !open;
    li.setAttribute('data-open', open ? 'yes' : 'no');
    var toggle = li.querySelector(':scope > .phead > .ptoggle');
    if (toggle) { toggle.textContent = open ? '\u25be' : '\u25b8'; toggle.setAttribute('aria-expanded', open ? 'true' : 'false'); }
  }

  function showHost(index) {
    indexTree();
    treeHost = index;
    var root = document.getElementById('process-tree-root');
    clear(root);
    root.removeAttribute('data-shown');
    fillChildren(root, rootsOf.get(index) || []);
    var select = document.getElementById('tree-host');
    if (select.value !== String(index)) select.value = String(index);
    var host = execIndex().hosts[index], caps = execIndex().caps;
    document.getElementById('tree-host-note').textContent = host[2] < host[1]
      ? treeHostName(index) + ': ' + host[2] + ' of its ' + host[1] + ' execs are embedded (the first ' + caps[0] + ' per host and ' + caps[1]
        + ' in all, in log order, plus the paths to the findings); the rest are counted on the process where they were cut.'
      : treeHostName(index) + ': all ' + host[1] + ' execs of the log.';
  }

  // Shows the host tree opened down to process id, highlighted.
  function revealProcess(id, message) {
    indexTree();
    var p = procs.get(id);
    if (!p) return;
    var path = [], seen = new Set();
    for (var at = id; at !== null && !seen.has(at); at = procs.get(at).parent) { seen.add(at); path.unshift(at); }
    showHost(p.host);
    var ul = document.getElementById('process-tree-root');
    var siblings = rootsOf.get(p.host) || [];
    var li = null;
    for (var k = 0; k < path.length; k++) {
      // Build further chunks of this level until the node on the path is there.
      var position = siblings.indexOf(path[k]);
      while (Number(ul.getAttribute('data-shown')) <= position) fillChildren(ul, siblings);
      li = ul.querySelector(':scope > li[data-process="' + path[k] + '"]');
      if (k < path.length - 1) {
        setOpen(li, true);
        ul = li.querySelector(':scope > ul');
        siblings = childrenOf.get(path[k]) || [];
      }
    }
    // The shell itself is opened too: its children are what it ran.
    if (childrenOf.has(id)) setOpen(li, true);
    var previous = document.querySelectorAll('#process-tree-root li.target');
    for (var n = 0; n < previous.length; n++) previous[n].classList.remove('target');
    li.classList.add('target');
    document.getElementById('process-tree-from').textContent = message;
    li.scrollIntoView({ block: 'center' });
  }

  function initTree() {
    if (!execsElement) return;
    indexTree();
    var select = document.getElementById('tree-host');
    execIndex().hosts.forEach(function (host, index) {
      var option = document.createElement('option');
      option.value = String(index);
      option.textContent = treeHostName(index) + ' (' + (host[2] < host[1] ? host[2] + ' of ' : '') + host[1] + ' execs)';
      select.appendChild(option);
    });
    select.addEventListener('change', function () { showHost(Number(select.value)); });
    document.getElementById('tree-collapse').addEventListener('click', function () { showHost(treeHost); });
    if (select.options.length) showHost(0);
  }

  // ---- suppressed matches --------------------------------------------------------

  function initSuppressed() {
    var toggle = document.getElementById('suppressed-toggle');
    var box = document.getElementById('suppressed-list');
    if (!toggle || !box) return;
    toggle.checked = false;
    var shown = 0;
    var moreButton = el('button', null, '');
    moreButton.type = 'button';
    moreButton.hidden = true;
    var renderChunk = function () {
      var end = Math.min(suppressed.length, shown + PAGE);
      var fragment = document.createDocumentFragment();
      for (var i = shown; i < end; i++) fragment.appendChild(card(i, true));
      box.insertBefore(fragment, moreButton);
      shown = end;
      moreButton.hidden = shown >= suppressed.length;
      moreButton.textContent = 'Show ' + Math.min(PAGE, suppressed.length - shown) + ' more (' + (suppressed.length - shown) + ' not shown yet)';
      box.setAttribute('data-rendered', String(shown));
    };
    moreButton.addEventListener('click', renderChunk);
    box.appendChild(moreButton);
    toggle.addEventListener('change', function () {
      if (toggle.checked && shown === 0) renderChunk();
      box.hidden = !toggle.checked;
    });
  }

  // ---- timeline ----------------------------------------------------------------

  var chart = document.getElementById('timeline-chart');
  var axis = document.getElementById('timeline-axis');
  var known = times.filter(function (t) { return !isNaN(t); });
  var tMin = known.length ? Math.min.apply(null, known) : 0;
  var tMax = known.length ? Math.max.apply(null, known) : 0;
  var span = Math.max(1, tMax - tMin + 1);
  var binWidth = span / BINS;

  function iso(t) { return new Date(Math.floor(t)).toISOString(); }

  function drawTimeline() {
    if (!chart) return;
    clear(chart);
    var counts = [], maxTotal = 0, b, s;
    for (b = 0; b < BINS; b++) { counts.push({ total: 0 }); SEVERITIES.forEach(function (sev) { counts[b][sev] = 0; }); }
    for (var i = 0; i < findings.length; i++) {
      if (isNaN(times[i]) || !passes(i, true)) continue;
      b = Math.min(BINS - 1, Math.floor((times[i] - tMin) / binWidth));
      counts[b][findings[i].severity] += 1;
      counts[b].total += 1;
    }
    counts.forEach(function (c) { maxTotal = Math.max(maxTotal, c.total); });
    counts.forEach(function (c, index) {
      var bin = el('div', 'bin');
      var from = tMin + index * binWidth, to = from + binWidth;
      bin.title = c.total + ' finding(s), ' + iso(from) + ' \u2013 ' + iso(to);
      if (state.from !== null && Math.abs(state.from - from) < 1e-6) bin.className += ' selected';
      for (s = 0; s < SEVERITIES.length; s++) {
        var n = c[SEVERITIES[s]];
        if (!n) continue;
        var seg = el('div', 'seg sev-' + SEVERITIES[s]);
        seg.style.height = (100 * n / maxTotal) + '%';
        bin.appendChild(seg);
      }
      bin.addEventListener('click', function () {
        if (state.from !== null && Math.abs(state.from - from) < 1e-6) { setTime(null, null); } else { setTime(from, to); }
      });
      chart.appendChild(bin);
    });
    clear(axis);
    axis.appendChild(el('span', null, iso(tMin)));
    axis.appendChild(el('span', null, iso(tMin + span / 2)));
    axis.appendChild(el('span', null, iso(tMax)));
  }

  function setTime(from, to) {
    state.from = from; state.to = to;
    var chip = document.getElementById('filter-time');
    chip.hidden = from === null;
    document.getElementById('filter-time-label').textContent = from === null ? '' : 'time ' + iso(from) + ' \u2013 ' + iso(to);
    apply();
  }

  // ---- wiring --------------------------------------------------------------------

  function openShown(open) {
    var cards = list.querySelectorAll('details.finding');
    for (var i = 0; i < cards.length; i++) { if (open) build(cards[i]); cards[i].open = open; }
  }

  var printButton = document.getElementById('print-button');
  printButton.hidden = false;
  printButton.addEventListener('click', function () { window.print(); });
  window.addEventListener('beforeprint', function () { openShown(true); });

  initTree();
  initSuppressed();
  if (!list) { document.body.setAttribute('data-ready', 'yes'); return; }   // no findings: the page is only the summary
  fillSelect('filter-rule', distinct(function (f) { return f.rule; }));
  fillSelect('filter-severity', SEVERITIES.filter(function (sev) { return findings.some(function (f) { return f.severity === sev; }); }));
  fillSelect('filter-host', distinct(hostName));
  var bind = function (id, key, transform) {
    var input = document.getElementById(id);
    input.addEventListener('input', function () { state[key] = transform ? transform(input.value) : input.value; apply(); });
    input.addEventListener('change', function () { state[key] = transform ? transform(input.value) : input.value; apply(); });
  };
  bind('filter-rule', 'rule');
  bind('filter-severity', 'severity');
  bind('filter-host', 'host');
  bind('filter-text', 'text', function (v) { return v.trim().toLowerCase(); });
  document.getElementById('filters').addEventListener('submit', function (event) { event.preventDefault(); });
  document.getElementById('filters').addEventListener('reset', function () {
    state.rule = state.severity = state.host = state.text = '';
    setTime(null, null);
  });
  document.getElementById('filter-time-clear').addEventListener('click', function () { setTime(null, null); });
  more.addEventListener('click', renderMore);
  document.getElementById('expand-shown').addEventListener('click', function () { openShown(true); });
  document.getElementById('collapse-shown').addEventListener('click', function () { openShown(false); });
  apply();
  document.body.setAttribute('data-ready', 'yes');
}());
