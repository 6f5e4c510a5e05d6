/**
 * The dashboard: one page, plain ES module, no build step. It asks for an API key (kept in
 * localStorage) and calls the same API as any client, with the key in x-api-key. uPlot draws the
 * traffic chart (served from node_modules by dashboard.routes.ts).
 */
export const DASHBOARD_HTML = /* html */ `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>AWS log lake</title>
<link rel="stylesheet" href="/dashboard/uplot.css">
<style>
  :root { --bg:#f5f6f8; --card:#fff; --ink:#1d2330; --muted:#6b7280; --line:#e5e7eb; --accent:#2563eb; --bad:#dc2626; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background:var(--bg); color:var(--ink); }
  header { display:flex; flex-wrap:wrap; gap:12px; align-items:center; padding:12px 20px; background:#111827; color:#fff; }
  header h1 { font-size:17px; margin:0 12px 0 0; font-weight:600; }
  header label { color:#cbd5e1; font-size:12px; }
  header input, header select, header button { font:inherit; padding:4px 8px; border-radius:6px; border:1px solid #374151; background:#1f2937; color:#fff; }
  header button { background:var(--accent); border-color:var(--accent); cursor:pointer; }
  #status { margin-left:auto; font-size:12px; color:#cbd5e1; }
  main { display:grid; grid-template-columns:repeat(auto-fit, minmax(460px, 1fr)); gap:16px; padding:16px 20px; }
  section { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:12px 14px; overflow:auto; }
  section.wide { grid-column:1 / -1; }
  h2 { font-size:14px; margin:0 0 8px; display:flex; justify-content:space-between; }
  h2 small { color:var(--muted); font-weight:400; }
  table { width:100%; border-collapse:collapse; font-variant-numeric:tabular-nums; }
  th, td { text-align:left; padding:4px 6px; border-bottom:1px solid var(--line); white-space:nowrap; }
  th { color:var(--muted); font-weight:500; font-size:12px; }
  td.n, th.n { text-align:right; }
  .err { color:var(--bad); }
  .empty { color:var(--muted); padding:8px 0; }
  #keyform { display:none; max-width:520px; margin:60px auto; background:#fff; padding:20px; border-radius:10px; border:1px solid var(--line); }
  #keyform input { width:100%; padding:8px; font:inherit; margin:8px 0; }
</style>
</head>
<body>
<header>
  <h1>AWS log lake</h1>
  <label>from <input id="from" type="datetime-local" step="60"></label>
  <label>to <input id="to" type="datetime-local" step="60"></label>
  <label>range <select id="preset">
    <option value="">custom</option><option value="1">last hour</option><option value="24" selected>last 24 h</option><option value="day:1">today (UTC)</option><option value="day:7">last 7 days (UTC)</option>
  </select></label>
  <button id="apply">Apply</button>
  <button id="forget" title="forget the API key">Key…</button>
  <span id="status"></span>
</header>
<form id="keyform">
  <h2>API key</h2>
  <p>Paste an API key (<code>npm run api-key -- create --name NAME</code>). It is kept in this browser only.</p>
  <input id="keyinput" type="password" autocomplete="off" placeholder="lake_…">
  <button type="submit">Use key</button> <span id="keyerror" class="err"></span>
</form>
<main id="panels">
  <section class="wide" id="p-traffic"><h2>Traffic over time <small id="traffic-total"></small></h2><div id="chart"></div></section>
  <section id="p-talkers"><h2>Top talkers <small>by connections</small></h2><div class="body"></div></section>
  <section id="p-pairs"><h2>Top pairs <small>by bytes</small></h2><div class="body"></div></section>
  <section id="p-rejected"><h2>Rejected traffic</h2><div class="body"></div></section>
  <section id="p-principals"><h2>CloudTrail by principal</h2><div class="body"></div></section>
  <section id="p-events"><h2>CloudTrail by event</h2><div class="body"></div></section>
  <section id="p-insights"><h2>Insights</h2><div class="body"></div></section>
  <section id="p-deadletters"><h2>Dead letters</h2><div class="body"></div></section>
</main>
<script type="module">
import uPlot from '/dashboard/uplot.js';

const $ = (id) => document.getElementById(id);
const KEY = 'lake.apiKey';
const nf = new Intl.NumberFormat('en-US');
const fmtInt = (n) => nf.format(n);
function fmtBytes(n) {
  const u = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  while (Math.abs(n) >= 1000 && i < u.length - 1) { n /= 1000; i++; }
  return (i === 0 ? String(n) : n.toFixed(n >= 100 ? 0 : n >= 10 ? 1 : 2)) + ' ' + u[i];
}
const fmtPct = (r) => (r * 100).toFixed(1) + ' %';
const esc = (s) => String(s ?? '–').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const toLocal = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
const fromLocal = (v) => new Date(v).toISOString();

// "day:N" presets end at the next UTC midnight: whole UTC days, which the API answers from its day
// rollups and multi-day blocks (fast); the others end at the next hour (hour rollups).
function setPreset(value) {
  const end = new Date();
  let hours;
  if (String(value).startsWith('day:')) {
    end.setUTCHours(24, 0, 0, 0);
    hours = 24 * Number(String(value).slice(4));
  } else {
    end.setUTCMinutes(0, 0, 0);
    end.setUTCHours(end.getUTCHours() + 1);
    hours = Number(value);
  }
  $('to').value = toLocal(end);
  $('from').value = toLocal(new Date(end.getTime() - hours * 3600000));
}

async function api(path, params = {}) {
  const q = new URLSearchParams({ from: fromLocal($('from').value), to: fromLocal($('to').value), ...params });
  const res = await fetch(path + '?' + q, { headers: { 'x-api-key': localStorage.getItem(KEY) ?? '' } });
  const body = await res.json().catch(() => ({}));
  if (res.status === 401) { askKey(body.message); throw new Error(body.message); }
  if (!res.ok) { throw new Error(body.message ?? res.statusText); }
  return body;
}

function table(el, cols, items) {
  const body = el.querySelector('.body');
  if (items.length === 0) { body.innerHTML = '<div class="empty">nothing in this range</div>'; return; }
  body.innerHTML = '<table><thead><tr>' + cols.map((c) => '<th class="' + (c.n ? 'n' : '') + '">' + c.t + '</th>').join('') +
    '</tr></thead><tbody>' + items.map((it) => '<tr>' + cols.map((c) =>
      '<td class="' + (c.n ? 'n' : '') + '" data-field="' + c.k + '">' + esc(c.f ? c.f(it[c.k], it) : it[c.k]) + '</td>').join('') + '</tr>').join('') +
    '</tbody></table>';
}

const port = (p, it) => p === null || p === undefined ? '–' : it.dstport_service ? p + ' (' + it.dstport_service + ')' : String(p);
let chart;

async function panel(id, fn) {
  const el = $(id);
  try { await fn(el); el.dataset.state = 'ok'; }
  catch (err) { el.dataset.state = 'error'; const b = el.querySelector('.body') ?? el; b.insertAdjacentHTML('beforeend', '<div class="err">' + esc(err.message) + '</div>'); }
}

async function load() {
  if (!localStorage.getItem(KEY)) { askKey(); return; }
  $('status').textContent = 'loading…';
  document.body.dataset.loaded = 'false';
  const range = (Date.parse(fromLocal($('to').value)) - Date.parse(fromLocal($('from').value))) / 3600000;
  const bucket = range > 48 ? 'hour' : 'minute';
  await Promise.all([
    panel('p-traffic', async () => {
      const { items } = await api('/v1/flows/timeseries', { bucket, split: 'action', limit: 1000 });
      const times = [...new Set(items.map((i) => Date.parse(i.bucket) / 1000))].sort((a, b) => a - b);
      const idx = new Map(times.map((t, i) => [t, i]));
      const acc = times.map(() => 0), rej = times.map(() => 0);
      let bytes = 0, flows = 0;
      for (const i of items) {
        (i.key === 'REJECT' ? rej : acc)[idx.get(Date.parse(i.bucket) / 1000)] += i.bytes;
        bytes += i.bytes; flows += i.flows;
      }
      $('traffic-total').textContent = fmtBytes(bytes) + ' in ' + fmtInt(flows) + ' flows (per ' + bucket + ')';
      $('traffic-total').dataset.bytes = String(bytes);
      $('traffic-total').dataset.flows = String(flows);
      chart?.destroy();
      chart = new uPlot({
        width: $('p-traffic').clientWidth - 30, height: 240,
        series: [{}, { label: 'accepted', stroke: '#2563eb', fill: 'rgba(37,99,235,.12)', value: (u, v) => v === null ? '–' : fmtBytes(v) },
                     { label: 'rejected', stroke: '#dc2626', fill: 'rgba(220,38,38,.12)', value: (u, v) => v === null ? '–' : fmtBytes(v) }],
        axes: [{}, { values: (u, vals) => vals.map(fmtBytes), size: 70 }],
      }, [times, acc, rej], $('chart'));
    }),
    panel('p-talkers', async (el) => table(el, [
      { t: 'source', k: 'srcaddr' }, { t: 'destination', k: 'dstaddr' }, { t: 'port', k: 'dstport', f: port },
      { t: 'flows', k: 'flows', n: 1, f: fmtInt }, { t: 'bytes', k: 'bytes', n: 1, f: fmtBytes }, { t: 'packets', k: 'packets', n: 1, f: fmtInt },
    ], (await api('/v1/flows/top-talkers', { by: 'connections', limit: 10 })).items)),
    panel('p-pairs', async (el) => table(el, [
      { t: 'source', k: 'srcaddr' }, { t: 'destination', k: 'dstaddr' },
      { t: 'bytes', k: 'bytes', n: 1, f: fmtBytes }, { t: 'packets', k: 'packets', n: 1, f: fmtInt }, { t: 'flows', k: 'flows', n: 1, f: fmtInt },
    ], (await api('/v1/flows/top-pairs', { limit: 10 })).items)),
    panel('p-rejected', async (el) => table(el, [
      { t: 'source', k: 'srcaddr' }, { t: 'destination', k: 'dstaddr' }, { t: 'port', k: 'dstport', f: port },
      { t: 'protocol', k: 'protocol_name', f: (v, it) => v ?? it.protocol }, { t: 'flows', k: 'flows', n: 1, f: fmtInt }, { t: 'bytes', k: 'bytes', n: 1, f: fmtBytes },
    ], (await api('/v1/flows/views/rejected', { limit: 10 })).items)),
    panel('p-principals', async (el) => table(el, [
      { t: 'principal', k: 'key' }, { t: 'events', k: 'events', n: 1, f: fmtInt }, { t: 'errors', k: 'errors', n: 1, f: fmtInt }, { t: 'error rate', k: 'error_rate', n: 1, f: fmtPct },
    ], (await api('/v1/cloudtrail/aggregates', { by: 'principal', limit: 10 })).items)),
    panel('p-events', async (el) => table(el, [
      { t: 'event', k: 'key' }, { t: 'events', k: 'events', n: 1, f: fmtInt }, { t: 'errors', k: 'errors', n: 1, f: fmtInt }, { t: 'error rate', k: 'error_rate', n: 1, f: fmtPct },
    ], (await api('/v1/cloudtrail/aggregates', { by: 'event_name', limit: 10 })).items)),
    panel('p-insights', async (el) => table(el, [
      { t: 'time', k: 'eventTime', f: (v) => new Date(v).toLocaleString() }, { t: 'state', k: 'state' }, { t: 'API', k: 'eventName' }, { t: 'type', k: 'insightType' },
    ], (await api('/v1/cloudtrail/insights', { limit: 20 })).items.map((i) => ({ ...i.insightDetails, eventTime: i.eventTime })))),
    panel('p-deadletters', async (el) => table(el, [
      { t: 'service', k: 'service' }, { t: 'reason', k: 'reason' }, { t: 'count', k: 'count', n: 1, f: fmtInt },
    ], (await api('/v1/dead-letters/counts')).items)),
  ]);
  $('status').textContent = 'updated ' + new Date().toLocaleTimeString();
  document.body.dataset.loaded = 'true';
}

function askKey(message) {
  $('panels').style.display = 'none';
  $('keyform').style.display = 'block';
  $('keyerror').textContent = message ?? '';
}
$('keyform').addEventListener('submit', (e) => {
  e.preventDefault();
  localStorage.setItem(KEY, $('keyinput').value.trim());
  $('keyform').style.display = 'none';
  $('panels').style.display = '';
  void load();
});
$('forget').addEventListener('click', () => { localStorage.removeItem(KEY); askKey(); });
$('preset').addEventListener('change', () => { if ($('preset').value) { setPreset($('preset').value); void load(); } });
$('apply').addEventListener('click', () => { $('preset').value = ''; void load(); });

const params = new URLSearchParams(location.search);
if (params.get('from') && params.get('to')) {
  $('preset').value = '';
  $('from').value = toLocal(new Date(params.get('from')));
  $('to').value = toLocal(new Date(params.get('to')));
} else {
  setPreset('24');
}
void load();
</script>
</body>
</html>
`;
