/* bouncescope report: sort tables, filter the groups, expand all, download the
 * embedded JSON. Without JavaScript the page still reads; only these are lost.
 * Never builds HTML from data: everything goes through textContent or DOM nodes. */
(function () {
  'use strict';
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };

  function cellKey(cell, type) {
    if (!cell) return type === 'num' ? -Infinity : '';
    var v = cell.getAttribute('data-v');
    if (v === null) v = cell.textContent.trim();
    if (type === 'num') { var f = parseFloat(String(v).replace(/,/g, '')); return isNaN(f) ? -Infinity : f; }
    return String(v).toLowerCase();
  }

  /* units that move together: a table of tbody.g groups moves whole tbodies */
  function units(table) {
    var g = table.querySelectorAll(':scope > tbody.g');
    if (g.length) return { list: Array.prototype.slice.call(g), parent: table, row: function (u) { return u.rows[0]; } };
    var tb = table.tBodies[0];
    return { list: Array.prototype.slice.call(tb.rows), parent: tb, row: function (u) { return u; } };
  }

  function sortBy(table, th, col) {
    var type = th.getAttribute('data-type') || 'text';
    var cur = th.getAttribute('aria-sort');
    var dir = cur ? (cur === 'descending' ? 'ascending' : 'descending') : (type === 'num' ? 'descending' : 'ascending');
    var u = units(table), sign = dir === 'ascending' ? 1 : -1;
    var keyed = u.list.map(function (x, i) { return { x: x, k: cellKey(u.row(x).cells[col], type), i: i }; });
    keyed.sort(function (a, b) { return a.k < b.k ? -sign : a.k > b.k ? sign : a.i - b.i; });
    keyed.forEach(function (o) { u.parent.appendChild(o.x); });
    each(table.tHead.rows[0].cells, function (c) { c.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', dir);
  }

  each(document.querySelectorAll('table.sortable'), function (table) {
    if (!table.tHead) return;
    each(table.tHead.rows[0].cells, function (th, col) {
      if (th.hasAttribute('data-nosort')) return;
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'sort';
      b.title = 'Sort by this column';
      while (th.firstChild) b.appendChild(th.firstChild);
      th.appendChild(b);
      b.addEventListener('click', function () { sortBy(table, th, col); });
    });
  });

  var tools = document.getElementById('group-tools');
  var box = document.getElementById('filter');
  var count = document.getElementById('filter-count');
  var groups = document.querySelectorAll('#groups > tbody.g');
  if (tools && box && groups.length) {
    tools.hidden = false;
    var texts = Array.prototype.map.call(groups, function (g) { return g.textContent.toLowerCase(); });
    var apply = function () {
      var words = box.value.toLowerCase().split(/\s+/).filter(Boolean), shown = 0;
      each(groups, function (g, i) {
        var ok = words.every(function (w) { return texts[i].indexOf(w) >= 0; });
        g.hidden = !ok;
        if (ok) shown++;
      });
      count.textContent = words.length ? shown + ' of ' + groups.length + ' groups match' : '';
    };
    box.addEventListener('input', apply);
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
