(function () {
  "use strict";
  var NUMBER = /^-?\d+(\.\d+)?$/;
  function key(cell) {
    var v = cell.getAttribute("data-sort");
    return v === null ? cell.textContent.trim() : v;
  }
  function compare(a, b) {
    if (NUMBER.test(a) && NUMBER.test(b)) return parseFloat(a) - parseFloat(b);
    return a.localeCompare(b);
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    if (!table.tHead || !table.tBodies.length) return;
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, column) {
      th.tabIndex = 0;
      th.setAttribute("aria-sort", "none");
      function sort() {
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        Array.prototype.forEach.call(heads, function (other) {
          other.setAttribute("aria-sort", "none");
        });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          return dir * compare(key(r1.cells[column]), key(r2.cells[column]));
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); }
      });
    });
  });
  var filter = document.getElementById("filter");
  var count = document.getElementById("filter-count");
  if (filter) {
    filter.addEventListener("input", function () {
      var q = filter.value.trim().toLowerCase();
      var shown = 0, total = 0;
      Array.prototype.forEach.call(document.querySelectorAll(".finding"), function (f) {
        total += 1;
        var hit = q === "" || f.textContent.toLowerCase().indexOf(q) >= 0;
        f.hidden = !hit;
        if (hit) shown += 1;
      });
      if (count) count.textContent = q === "" ? "" : shown + " of " + total + " findings shown";
    });
  }
  // Expand all / Collapse all: each button acts on the findings of its own capture.
  Array.prototype.forEach.call(document.querySelectorAll("button[data-fold]"), function (b) {
    b.addEventListener("click", function () {
      var open = b.getAttribute("data-fold") === "open";
      var scope = b.closest("section") || document;
      Array.prototype.forEach.call(scope.querySelectorAll("details.finding"), function (d) {
        d.open = open;
      });
    });
  });
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) {
      d.setAttribute("data-was-open", d.open ? "1" : "0");
      d.open = true;
    });
  });
  window.addEventListener("afterprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details[data-was-open]"), function (d) {
      d.open = d.getAttribute("data-was-open") === "1";
      d.removeAttribute("data-was-open");
    });
  });
})();
