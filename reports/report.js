/* bouncescope report: sort tables, filter and sort ALL the groups (from the page's
 * data, not only the rows drawn), follow a domain or a cause to its groups, expand
 * all, download the embedded JSON. Without JavaScript the page still reads; only
 * these are lost. Never builds HTML from data: everything goes through
 * textContent or DOM nodes. A filter can be given in the address: #filter=words. */
(function () {
  'use strict';
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };

  /* the layout in use, for styles and for tests: "narrow" at 480 px and less */
  var narrow = window.matchMedia ? window.matchMedia('(max-width: 480px)') : null;
  var markLayout = function () {
    document.documentElement.setAttribute('data-layout', narrow && narrow.matches ? 'narrow' : 'wide');
  };
  markLayout();
  if (narrow && narrow.addEventListener) narrow.addEventListener('change', markLayout);

  function cellKey(cell, type) {
    if (!cell) return type === 'num' ? -Infinity : '';
    var v = cell.getAttribute('data-v');
    if (v === null) v = cell.textContent.trim();
    if (type === 'num') { var f = parseFloat(String(v).replace(/,/g, '')); return isNaN(f) ? -Infinity : f; }
    return String(v).toLowerCase();
  }

  function nextDir(th, type) {
    var cur = th.getAttribute('aria-sort');
    return cur ? (cur === 'descending' ? 'ascending' : 'descending') : (type === 'num' ? 'descending' : 'ascending');
  }

  function markSorted(table, th, dir) {
    each(table.tHead.rows[0].cells, function (c) { c.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', dir);
  }

  /* a plain table: sort its rows in place */
  function sortRows(table, th, col) {
    var type = th.getAttribute('data-type') || 'text', dir = nextDir(th, type), sign = dir === 'ascending' ? 1 : -1;
    var tb = table.tBodies[0];
    var keyed = Array.prototype.map.call(tb.rows, function (x, i) { return { x: x, k: cellKey(x.cells[col], type), i: i }; });
    keyed.sort(function (a, b) { return a.k < b.k ? -sign : a.k > b.k ? sign : a.i - b.i; });
    keyed.forEach(function (o) { tb.appendChild(o.x); });
    markSorted(table, th, dir);
  }

  function addSortButtons(table, onSort) {
    if (!table.tHead) return;
    each(table.tHead.rows[0].cells, function (th, col) {
      if (th.hasAttribute('data-nosort')) return;
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'sort';
      b.title = 'Sort by this column';
      while (th.firstChild) b.appendChild(th.firstChild);
      th.appendChild(b);
      b.addEventListener('click', function () { onSort(table, th, col); });
    });
  }

  /* ---- the groups: all of them, from the data ---- */
  var table = document.getElementById('groups');
  var dataEl = document.getElementById('bs-groups');
  var G = null;
  try { G = dataEl ? JSON.parse(dataEl.textContent) : null; } catch (e) { G = null; }
  var LIMIT = 500;   /* rows drawn at most for a filter or a sort */
  var R = { rank: 0, provider: 1, host: 2, reason: 3, label: 4, dsn: 5, fp: 6, failed: 7, expired: 8,
            deferred: 9, recipients: 10, messages: 11, domains: 12, ip: 13, status: 14, list: 15,
            first: 16, last: 17, firstText: 18, lastText: 19, isNew: 20, causes: 21, sender: 22,
            sampleDomains: 23, template: 24 };
  /* the sort key of each column of the groups table, by its position */
  var colKey = [R.rank, R.provider, R.reason, R.dsn, R.failed, R.deferred, R.recipients, R.messages,
                R.domains, R.ip, R.first, R.last];
  var drawn = {};      /* rank -> the tbody the page drew (with its details) */
  var made = {};       /* rank -> a tbody made here from the data */
  var order = null;    /* the rows in the current sort */
  var texts = null;    /* rank -> lower-case text the filter searches */

  var box = document.getElementById('filter');
  var count = document.getElementById('filter-count');
  var tools = document.getElementById('group-tools');

  function cell(tag, text, cls, label) {
    var c = document.createElement(tag);
    if (cls) c.className = cls;
    if (label) c.setAttribute('data-label', label);
    c.textContent = text;
    return c;
  }

  function fmt(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ','); }

  /* make - a row for a group the page did not draw (no details: see the CSV or JSON) */
  function make(row) {
    var tb = document.createElement('tbody');
    tb.className = 'g made';
    tb.id = 'g' + row[R.rank];
    var tr = document.createElement('tr');
    tr.className = 'row';
    tr.appendChild(cell('th', String(row[R.rank]), 'n', '#'));
    var p = cell('td', '', '', 'Provider / host');
    p.appendChild(cell('span', row[R.provider], 'prov'));
    if (row[R.isNew]) { p.appendChild(document.createTextNode(' ')); p.appendChild(cell('span', 'new', 'badge st-new')); }
    if (row[R.host] && row[R.host] !== row[R.provider]) {
      p.appendChild(document.createElement('br'));
      p.appendChild(cell('span', row[R.host], 'host'));
    }
    tr.appendChild(p);
    var r = cell('td', row[R.label], 'reason', 'Reason');
    r.appendChild(document.createElement('br'));
    r.appendChild(cell('span', row[R.reason], 'rname'));
    tr.appendChild(r);
    var d = cell('td', row[R.dsn], 'mono', 'DSN');
    d.appendChild(document.createElement('br'));
    d.appendChild(cell('span', row[R.fp], 'fp'));
    tr.appendChild(d);
    [[R.failed, 'Failed'], [R.deferred, 'Deferred'], [R.recipients, 'Recipients'], [R.messages, 'Messages'],
     [R.domains, 'Domains']].forEach(function (k) { tr.appendChild(cell('td', fmt(row[k[0]]), 'n', k[1])); });
    var ip = cell('td', row[R.ip] ? row[R.ip] + ' ' : '', '', 'IP · blocklist');
    if (row[R.ip]) ip.appendChild(cell('span', row[R.status].replace('_', ' '), 'badge st-' + row[R.status]));
    if (row[R.list]) { ip.appendChild(document.createElement('br')); ip.appendChild(cell('span', 'named: ' + row[R.list], 'small')); }
    tr.appendChild(ip);
    tr.appendChild(cell('td', row[R.firstText].replace('T', ' '), 't', 'First seen'));
    tr.appendChild(cell('td', row[R.lastText].replace('T', ' '), 't', 'Last seen'));
    tb.appendChild(tr);
    var more = document.createElement('tr');
    more.className = 'more';
    var td = cell('td', 'Drawn from the page\u2019s data: the sample, advice and affected recipients of this group are in --format csv or json (or --top ' + row[R.rank] + ').', 'small', '');
    td.colSpan = 12;
    more.appendChild(td);
    tb.appendChild(more);
    return tb;
  }

  function rowText(row) {
    var t = [row[R.provider], row[R.host], row[R.reason], row[R.label], row[R.dsn], row[R.fp], row[R.ip],
             row[R.list], row[R.sender], row[R.sampleDomains].join(' '), (G.templates[row[R.template]] || '')];
    return t.join(' ').toLowerCase();
  }

  /* matcher - a filter: words all of which appear, and domain:X / cause:N terms */
  function matcher(value) {
    var words = value.toLowerCase().split(/\s+/).filter(Boolean), plain = [], sets = [];
    words.forEach(function (w) {
      var m = /^(domain|cause):(.+)$/.exec(w);
      if (m && m[1] === 'domain') {
        var ranks = (G.domains && G.domains[m[2]]) || [];
        var set = {};
        ranks.forEach(function (r) { set[r] = true; });
        sets.push(function (row) { return set[row[R.rank]] || row[R.sampleDomains].indexOf(m[2]) >= 0; });
      } else if (m) {
        var n = parseInt(m[2], 10);
        sets.push(function (row) { return row[R.causes].indexOf(n) >= 0; });
      } else {
        plain.push(w);
      }
    });
    return {
      active: words.length > 0,
      test: function (row) {
        return sets.every(function (f) { return f(row); }) &&
          plain.every(function (w) { return texts[row[R.rank]].indexOf(w) >= 0; });
      }
    };
  }

  function render() {
    var m = matcher(box ? box.value : '');
    var rows = order.filter(function (row) { return m.test(row); });
    each(table.querySelectorAll(':scope > tbody.g'), function (tb) { tb.remove(); });
    var n = Math.min(rows.length, LIMIT);
    for (var i = 0; i < n; i++) {
      var rank = rows[i][R.rank];
      var tb = drawn[rank] || made[rank] || (made[rank] = make(rows[i]));
      tb.hidden = false;
      table.appendChild(tb);
    }
    if (count) {
      var all = G.rows.length;
      count.textContent = (m.active ? rows.length + ' of ' + all + ' groups match' : '') +
        (rows.length > LIMIT ? ' (the first ' + LIMIT + ' drawn)' : '');
    }
  }

  function sortGroups(tbl, th, col) {
    var type = th.getAttribute('data-type') || 'text', dir = nextDir(th, type), sign = dir === 'ascending' ? 1 : -1;
    var k = colKey[col];
    var key = function (row) {
      var v = row[k];
      return typeof v === 'number' ? v : String(v).toLowerCase();
    };
    order = G.rows.slice().sort(function (a, b) {
      var x = key(a), y = key(b);
      return x < y ? -sign : x > y ? sign : a[R.rank] - b[R.rank];
    });
    markSorted(tbl, th, dir);
    render();
  }

  each(document.querySelectorAll('table.sortable'), function (t) {
    addSortButtons(t, t === table && G ? sortGroups : sortRows);
  });

  if (table && G && box && tools) {
    tools.hidden = false;
    each(table.querySelectorAll(':scope > tbody.g'), function (tb) { drawn[parseInt(tb.id.slice(1), 10)] = tb; });
    order = G.rows.slice();
    texts = {};
    G.rows.forEach(function (row) { texts[row[R.rank]] = rowText(row); });
    box.addEventListener('input', render);
    var setFilter = function (value) { box.value = value; render(); };
    /* a domain or a cause leads to its groups, all of them */
    each(document.querySelectorAll('a[data-filter]'), function (a) {
      a.addEventListener('click', function (ev) {
        var f = a.getAttribute('data-filter');
        if (f === 'domain:') f += a.textContent.trim().toLowerCase();
        setFilter(f);
        ev.preventDefault();
        document.getElementById('h-groups').scrollIntoView();
      });
    });
    var h = /^#filter=(.*)$/.exec(location.hash);
    if (h) setFilter(decodeURIComponent(h[1]));
    var expand = document.getElementById('expand-all');
    if (expand) {
      expand.addEventListener('click', function () {
        var open = expand.getAttribute('aria-pressed') !== 'true';
        each(document.querySelectorAll('#groups details'), function (d) { d.open = open; });
        expand.setAttribute('aria-pressed', open ? 'true' : 'false');
        expand.textContent = open ? 'Collapse all' : 'Expand all';
      });
    }
  }

  var dl = document.getElementById('download-json');
  var data = document.getElementById('bs-data');
  if (dl && data && window.Blob && window.URL) {
    dl.hidden = false;
    dl.addEventListener('click', function () {
      var url = URL.createObjectURL(new Blob([data.textContent], { type: 'application/json' }));
      var a = document.createElement('a');
      a.href = url;
      a.download = 'bouncescope-report.json';
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    });
  }
})();
