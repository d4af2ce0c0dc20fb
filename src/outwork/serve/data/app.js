// The page over outwork's API: recent verdicts and scans, a package's history, a scan's report.
// Every text from the API is set as text (never parsed as HTML); the report is the API's HTML
// report, shown in a sandboxed frame of its own opaque origin, where only its filter script runs.
"use strict";

const KEY = "outwork-token";

function token() {
  return sessionStorage.getItem(KEY) || "";
}

function say(text) {
  document.getElementById("status").textContent = text;
}

async function api(path, as) {
  const headers = {};
  if (token()) headers.Authorization = "Bearer " + token();
  const response = await fetch(path, { headers });
  if (!response.ok) {
    let error = response.statusText;
    try {
      error = (await response.json()).error || error;
    } catch (_) {
      // not JSON: keep the status text
    }
    throw new Error(response.status + ": " + error);
  }
  return as === "text" ? response.text() : response.json();
}

function cell(row, content, className) {
  const td = document.createElement("td");
  if (content instanceof Node) td.appendChild(content);
  else td.textContent = content === null || content === undefined ? "" : String(content);
  if (className) td.className = className;
  row.appendChild(td);
}

function link(text, hash) {
  const a = document.createElement("a");
  a.href = hash;
  a.textContent = text;
  return a;
}

function verdict(value) {
  const span = document.createElement("span");
  span.textContent = value || "";
  if (value) span.className = "verdict verdict-" + value;
  return span;
}

function when(value) {
  return value ? new Date(value).toISOString().replace("T", " ").slice(0, 19) : "";
}

function packageHash(release) {
  return "#/package/" + encodeURIComponent(release.ecosystem) + "/" + encodeURIComponent(release.name);
}

function fill(tableId, items, columns) {
  const body = document.querySelector("#" + tableId + " tbody");
  body.replaceChildren();
  for (const item of items) {
    const row = document.createElement("tr");
    for (const column of columns) column(row, item);
    body.appendChild(row);
  }
}

function show(id) {
  for (const section of document.querySelectorAll("main > section")) {
    section.hidden = section.id !== id;
  }
}

async function home() {
  show("home");
  const [verdicts, scans] = await Promise.all([api("/v1/verdicts?limit=50"), api("/v1/scans?limit=50")]);
  fill("verdicts", verdicts, [
    (r, v) => cell(r, link(v.release.ecosystem + ":" + v.release.name, packageHash(v.release))),
    (r, v) => cell(r, v.release.version),
    (r, v) => cell(r, verdict(v.verdict)),
    (r, v) => cell(r, v.findings),
    (r, v) => cell(r, when(v.decided_at)),
    (r, v) => cell(r, v.scan_id ? link("#" + v.scan_id, "#/scan/" + v.scan_id) : ""),
  ]);
  fill("scans", scans, scanColumns);
}

const scanColumns = [
  (r, s) => cell(r, link("#" + s.id, "#/scan/" + s.id)),
  (r, s) => cell(r, s.target, "target"),
  (r, s) => cell(r, s.status + (s.progress ? " (" + s.progress.done + "/" + s.progress.total + ")" : "")),
  (r, s) => cell(r, verdict(s.verdict)),
  (r, s) => cell(r, s.findings),
  (r, s) => cell(r, when(s.submitted_at)),
];

async function packagePage(ecosystem, name) {
  show("package");
  document.getElementById("package-title").textContent = ecosystem + ":" + name;
  const history = await api("/v1/packages/" + encodeURIComponent(ecosystem) + "/" + name.split("/").map(encodeURIComponent).join("/"));
  fill("history", history.verdicts, [
    (r, v) => cell(r, v.release.version),
    (r, v) => cell(r, verdict(v.verdict)),
    (r, v) => cell(r, v.findings),
    (r, v) => cell(r, v.reason),
    (r, v) => cell(r, when(v.decided_at)),
    (r, v) => cell(r, v.scan_id ? link("#" + v.scan_id, "#/scan/" + v.scan_id) : ""),
  ]);
}

// A new frame for every report: changing an existing frame's srcdoc twice in quick succession
// (emptied, then written) can leave the browser showing the first, empty document.
function showReport(html) {
  const old = document.getElementById("report");
  const frame = document.createElement("iframe");
  frame.id = old.id;
  frame.title = old.title;
  frame.setAttribute("sandbox", "allow-scripts");
  frame.srcdoc = html;
  old.replaceWith(frame);
}

async function scanPage(id) {
  show("scan");
  showReport("");
  const scan = await api("/v1/scans/" + encodeURIComponent(id));
  document.getElementById("scan-title").textContent = "Scan #" + scan.id + ": " + scan.target;
  const state = document.getElementById("scan-state");
  state.replaceChildren(verdict(scan.verdict));
  state.append(" " + scan.status + (scan.detail ? ": " + scan.detail : ""));
  if (scan.status === "done") {
    const html = await api(scan.report + "?format=html", "text");
    // The reader may have moved on to another scan while this report was on its way.
    if (location.hash === "#/scan/" + id) showReport(html);
  } else if (scan.status === "queued" || scan.status === "running") {
    setTimeout(() => { if (location.hash === "#/scan/" + id) route(); }, 1000);
  }
}

async function route() {
  say("");
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  try {
    if (parts[0] === "package" && parts.length >= 3) await packagePage(parts[1], parts.slice(2).join("/"));
    else if (parts[0] === "scan" && parts[1]) await scanPage(parts[1]);
    else await home();
  } catch (error) {
    say(error.message);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("login").addEventListener("submit", (event) => {
    event.preventDefault();
    const field = document.getElementById("token");
    sessionStorage.setItem(KEY, field.value.trim());
    field.value = "";
    route();
  });
  window.addEventListener("hashchange", route);
  route();
});
