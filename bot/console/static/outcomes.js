// Row 4.3 with outcomes on the statistics page: reads /console/api/stats/outcomes for the
// page's days and fills the table (total first, then each platform). Text goes in with
// textContent only.
"use strict";
(function () {
  const box = document.getElementById("outcomes");
  if (!box) return;
  const words = JSON.parse(document.getElementById("outcomes-words").textContent);
  const columns = Array.from(box.querySelectorAll("thead th[data-column]")).map((th) => th.dataset.column);
  const body = box.querySelector("tbody");

  function row(label, values, cls) {
    const tr = document.createElement("tr");
    tr.className = cls;
    const name = document.createElement("td");
    name.textContent = label;
    tr.append(name);
    columns.forEach((column) => {
      const cell = document.createElement("td");
      cell.className = "n";
      cell.dataset.column = column;
      const value = values[column];
      cell.textContent = value === null || value === undefined ? "-" : String(value);
      tr.append(cell);
    });
    return tr;
  }

  const query = new URLSearchParams({from: box.dataset.from, to: box.dataset.to});
  fetch("/console/api/stats/outcomes?" + query.toString(), {credentials: "same-origin"})
    .then((response) => { if (!response.ok) throw new Error(String(response.status)); return response.json(); })
    .then((data) => {
      body.replaceChildren(row(words.total, data.total, "total"));
      Object.entries(data.platforms).forEach(([platform, values]) => {
        const label = platform ? ((data.names || {})[platform] || platform) : words.no_platform;
        const tr = row(label, values, "row");
        tr.dataset.platform = platform;
        body.append(tr);
      });
      box.dataset.loaded = "1";
    })
    .catch(() => { document.getElementById("outcomes-error").hidden = false; });
})();
