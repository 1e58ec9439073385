// tipring web UI: polls the REST API every 2 s and renders it. No
// libraries; everything is built with DOM calls and textContent, so no
// value from the gateway is ever interpreted as HTML.
"use strict";

const REFRESH_MS = 2000;
const $ = (id) => document.getElementById(id);

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function fmtTime(s) {
  if (!s || s.startsWith("0001-")) return "";
  const d = new Date(s);
  return isNaN(d) ? s : d.toLocaleString();
}

function fmtDur(sec) {
  sec = Math.max(0, Math.round(sec));
  const d = Math.floor(sec / 86400), h = Math.floor(sec / 3600) % 24, m = Math.floor(sec / 60) % 60, s = sec % 60;
  const hms = (d || h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(s).padStart(2, "0");
  return d ? d + "d " + hms : hms;
}

function since(s) {
  if (!s || s.startsWith("0001-")) return "";
  return fmtDur((Date.now() - new Date(s).getTime()) / 1000);
}

function yesno(b) { return el("td", b ? "yes" : "no", b ? "yes" : "no"); }

function fill(tbody, rows, cols, emptyText) {
  const trs = [];
  if (!rows || rows.length === 0) {
    const tr = el("tr");
    const td = el("td", emptyText, "empty");
    td.colSpan = cols;
    tr.append(td);
    trs.push(tr);
  } else {
    for (const cells of rows) {
      const tr = el("tr");
      for (const c of cells) tr.append(c instanceof Node ? c : el("td", c));
      trs.push(tr);
    }
  }
  tbody.replaceChildren(...trs);
}

async function getJSON(path) {
  const r = await fetch(path, { headers: { Accept: "application/json" }, cache: "no-store" });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw Object.assign(new Error(body.error || r.statusText), { status: r.status });
  return body;
}

function renderStatus(st) {
  $("hdr").textContent = `${st.version || ""} · board ${st.board} · zone ${st.zone}`;
  const kv = [
    ["Version", st.version], ["Board", st.board], ["Tone zone", st.zone],
    ["Up since", fmtTime(st.started) + "  (" + since(st.started) + ")"],
    ["Ports", st.ports], ["Active calls", st.active_calls], ["Calls since start", st.total_calls],
  ];
  const nodes = [];
  for (const [k, v] of kv) nodes.push(el("dt", k), el("dd", v));
  $("status").replaceChildren(...nodes);
}

function renderPorts(ports) {
  fill($("ports"), ports.map((p) => [
    p.name, p.kind, `${p.span}/${p.chan}`, p.extension || "", p.account || "",
    el("td", p.state, "st-" + p.state), p.line_state, p.off_hook ? "off hook" : "on hook",
    p.account ? yesno(p.registered) : "", p.call_id || "",
  ]), 10, "no ports");
}

function renderCalls(calls) {
  fill($("calls"), calls.map((c) => [
    c.id, c.from, c.to, c.direction, c.state, (c.legs || []).join(" ⇄ "), c.codec || "",
    since(c.start), c.answer ? since(c.answer) : "",
  ]), 9, "no active calls");
}

function renderRegs(regs) {
  fill($("regs"), regs.map((r) => [
    r.account, r.aor, yesno(r.registered), fmtTime(r.expires), r.last_error || "",
  ]), 5, "no SIP accounts");
}

function renderServers(srv) {
  fill($("servers"), srv.map((s) => [
    s.uri, (s.accounts || []).join(", "), yesno(s.up),
    fmtTime(s.since), s.last_code ? String(s.last_code) : (s.last_error || ""),
  ]), 5, "no servers probed");
}

function renderGroups(groups) {
  fill($("groups"), groups.map((g) => [
    g.name, g.strategy,
    (g.members || []).map((m) => m.port + (m.free ? "" : " (busy)")).join(", "),
  ]), 3, "no hunt groups");
}

// optional fetches a view the daemon may not offer (404) and renders it.
async function optional(path, render, tbody, cols, what) {
  try { render(await getJSON(path)); }
  catch (e) { fill($(tbody), [], cols, e.status === 404 ? "no " + what : what + ": " + e.message); }
}

function renderCDR(cdrs) {
  fill($("cdr"), cdrs.map((c) => [
    fmtTime(c.start), c.from, c.to, c.direction, c.disposition, fmtDur(c.duration_s),
    c.cause, c.codec || "", `${c.src_leg} → ${c.dst_leg}`,
  ]), 9, "no calls yet");
}

let simAvailable = null;

async function refresh() {
  try {
    const [st, ports, calls, regs] = await Promise.all([
      getJSON("/api/v1/status"), getJSON("/api/v1/ports"),
      getJSON("/api/v1/calls"), getJSON("/api/v1/registrations"),
    ]);
    renderStatus(st); renderPorts(ports); renderCalls(calls); renderRegs(regs);
    await optional("/api/v1/servers", renderServers, "servers", 5, "SIP servers");
    await optional("/api/v1/groups", renderGroups, "groups", 3, "hunt groups");
    try { renderCDR(await getJSON("/api/v1/cdr?limit=20")); }
    catch (e) { fill($("cdr"), [], 9, e.status === 404 ? "no CDR store" : "CDR: " + e.message); }
    if (simAvailable !== false) {
      try {
        const snap = await getJSON("/api/v1/sim");
        simAvailable = true;
        $("simpanel").hidden = false;
        $("simsnap").textContent = JSON.stringify(snap, null, 2);
      } catch (e) {
        if (e.status === 404) { simAvailable = false; $("simpanel").hidden = true; }
      }
    }
    $("conn").textContent = "updated " + new Date().toLocaleTimeString();
  } catch (e) {
    $("conn").textContent = "daemon unreachable: " + e.message;
  }
}

function simMessage(text, isErr) {
  const m = $("simmsg");
  m.textContent = text;
  m.className = isErr ? "err" : "";
}

async function simAction(target, form, op) {
  const port = parseInt(form.elements.port.value, 10);
  const body = {};
  const f = form.elements;
  if (op === "dial" || op === "pulse") body.digits = f.digits.value.trim();
  if (op === "play") body.freq = parseFloat(f.freq.value);
  if (op === "record") body.seconds = 2;
  if (op === "ring") {
    if (f.number.value.trim()) body.number = f.number.value.trim();
    if (f.name.value.trim()) body.name = f.name.value.trim();
  }
  const url = `/api/v1/sim/${target}/${port}/${op}` + (op === "record" ? "?format=wav" : "");
  simMessage(`${target} ${port} ${op}…`, false);
  try {
    const r = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    if (!r.ok) {
      const e = await r.json().catch(() => ({}));
      simMessage(e.error || r.statusText, true);
      return;
    }
    if ((r.headers.get("Content-Type") || "").startsWith("audio/")) {
      const a = $("simaudio");
      if (a.src) URL.revokeObjectURL(a.src);
      a.src = URL.createObjectURL(await r.blob());
      a.hidden = false;
      simMessage(`${target} ${port}: recorded 2 s`, false);
    } else {
      const res = await r.json();
      simMessage(`${target} ${port} ${op}: ok` + (res.data !== null && res.data !== undefined ? " — " + JSON.stringify(res.data) : ""), false);
    }
    refresh();
  } catch (e) {
    simMessage(e.message, true);
  }
}

for (const [target, id] of [["phone", "phoneform"], ["line", "lineform"]]) {
  const form = $(id);
  form.addEventListener("submit", (ev) => ev.preventDefault());
  for (const b of form.querySelectorAll("button[data-op]")) {
    b.addEventListener("click", () => simAction(target, form, b.dataset.op));
  }
}

refresh();
setInterval(refresh, REFRESH_MS);
