import { explainOutcome, type ExpertPlugin } from '@t2i-reward/core';
import { expertPlugin as detectorPlugin } from '@t2i-reward/detector';
import type { RunManifest } from '../records.js';
import type { ResultRecord } from '../types.js';
import { formatCi, formatCoverage, formatNumber } from './format.js';
import type { RunSummary } from './summary.js';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** JSON safe inside a <script> element (no "</script>", no HTML comment openers). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Horizontal bars of category means with 95% CI whiskers, as inline SVG. */
export function categoryBarChart(summary: RunSummary): string {
  const rows = [...summary.categories.filter((c) => c.mean !== null), { category: 'overall', ...summary.overall }];
  const values = rows.flatMap((r) => [r.mean ?? 0, r.ci?.[1] ?? 0]);
  const max = Math.max(1, ...values);
  const min = Math.min(0, ...rows.flatMap((r) => [r.mean ?? 0, r.ci?.[0] ?? 0]));
  const labelW = 150;
  const plotW = 420;
  const rowH = 26;
  const height = rows.length * rowH + 30;
  const x = (v: number) => labelW + ((v - min) / (max - min)) * plotW;
  const parts = rows.map((r, i) => {
    const y = 10 + i * rowH;
    const mean = r.mean ?? 0;
    const cls = r.category === 'overall' ? 'bar overall' : 'bar';
    const whisker = r.ci
      ? `<line class="ci" x1="${x(r.ci[0]).toFixed(1)}" x2="${x(r.ci[1]).toFixed(1)}" y1="${y + 9}" y2="${y + 9}"/>` +
        `<line class="ci" x1="${x(r.ci[0]).toFixed(1)}" x2="${x(r.ci[0]).toFixed(1)}" y1="${y + 4}" y2="${y + 14}"/>` +
        `<line class="ci" x1="${x(r.ci[1]).toFixed(1)}" x2="${x(r.ci[1]).toFixed(1)}" y1="${y + 4}" y2="${y + 14}"/>`
      : '';
    return (
      `<g data-category="${escapeHtml(r.category)}"><title>${escapeHtml(r.category)}: ${formatNumber(r.mean)} ${formatCi(r)} n=${r.n}</title>` +
      `<text class="label" x="${labelW - 8}" y="${y + 13}" text-anchor="end">${escapeHtml(r.category)}</text>` +
      `<rect class="${cls}" x="${x(Math.min(0, mean)).toFixed(1)}" y="${y}" width="${Math.abs(x(mean) - x(0)).toFixed(1)}" height="18"/>` +
      whisker +
      `<text class="value" x="${(x(Math.max(mean, r.ci?.[1] ?? mean)) + 6).toFixed(1)}" y="${y + 13}">${formatNumber(r.mean)} (n=${r.n})</text></g>`
    );
  });
  const axis = [0, 0.25, 0.5, 0.75, 1]
    .map((t) => min + t * (max - min))
    .map(
      (v) =>
        `<line class="grid" x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="5" y2="${height - 20}"/><text class="tick" x="${x(v).toFixed(1)}" y="${height - 6}" text-anchor="middle">${v.toFixed(2)}</text>`,
    )
    .join('');
  return `<svg class="chart" id="category-chart" role="img" aria-label="mean per category" viewBox="0 0 ${labelW + plotW + 120} ${height}" width="${labelW + plotW + 120}" height="${height}">${axis}${parts.join('')}</svg>`;
}

/** One small histogram of image scores per category (10 bins over [0, 1], or the data range when outside). */
export function categoryHistograms(summary: RunSummary, records: readonly ResultRecord[]): string {
  const charts = summary.categories.map((c) => {
    const scores = records.filter((r) => r.category === c.category && r.status === 'ok' && r.score !== null).map((r) => r.score!);
    const lo = Math.min(0, ...scores);
    const hi = Math.max(1, ...scores);
    const bins = new Array<number>(10).fill(0);
    for (const s of scores) bins[Math.min(9, Math.floor(((s - lo) / (hi - lo)) * 10))]!++;
    const peak = Math.max(1, ...bins);
    const w = 200;
    const h = 70;
    const bars = bins
      .map((count, i) => {
        const bh = (count / peak) * (h - 18);
        return `<rect class="hist" x="${(i * w) / 10 + 1}" y="${(h - 14 - bh).toFixed(1)}" width="${w / 10 - 2}" height="${bh.toFixed(1)}"><title>${(lo + (i * (hi - lo)) / 10).toFixed(2)}–${(lo + ((i + 1) * (hi - lo)) / 10).toFixed(2)}: ${count}</title></rect>`;
      })
      .join('');
    return (
      `<figure class="hist-card"><svg class="chart histogram" role="img" aria-label="score histogram of ${escapeHtml(c.category)}" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}">` +
      `${bars}<line class="axis" x1="0" x2="${w}" y1="${h - 14}" y2="${h - 14}"/><text class="tick" x="0" y="${h - 2}">${lo.toFixed(1)}</text><text class="tick" x="${w}" y="${h - 2}" text-anchor="end">${hi.toFixed(1)}</text></svg>` +
      `<figcaption>${escapeHtml(c.category)} · n=${c.n}</figcaption></figure>`
    );
  });
  return `<div class="hists">${charts.join('')}</div>`;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d232b;background:#f6f7f9}
header{background:#1d2733;color:#fff;padding:16px 24px}header h1{margin:0 0 4px;font-size:20px}header .meta{opacity:.8;font-size:13px}
main{padding:16px 24px;max-width:1400px}section{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:14px 18px;margin:0 0 16px}
h2{font-size:16px;margin:0 0 10px}table.summary{border-collapse:collapse}table.summary td,table.summary th{padding:4px 12px;border-bottom:1px solid #eceef1;text-align:right}
table.summary td:first-child,table.summary th:first-child{text-align:left}table.summary tr.overall td{font-weight:600;border-top:2px solid #c8ccd2}
.chart text{font-size:12px;fill:#333}.chart .tick{font-size:10px;fill:#777}.chart .grid{stroke:#eee}.chart .bar{fill:#4a7bd0}.chart .bar.overall{fill:#1d2733}
.chart .ci{stroke:#111;stroke-width:1.5}.chart .hist{fill:#6d9be0}.chart .axis{stroke:#999}
.hists{display:flex;flex-wrap:wrap;gap:12px}.hist-card{margin:0;border:1px solid #eceef1;border-radius:6px;padding:6px}.hist-card figcaption{font-size:12px;color:#555;text-align:center}
.controls{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin-bottom:10px}.controls label{font-size:13px}
#grid{display:grid;align-items:start;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:12px}
.card{border:1px solid #dde1e6;border-radius:6px;overflow:hidden;background:#fff;display:flex;flex-direction:column}
.card img{width:100%;aspect-ratio:1/1;object-fit:cover;background:#e9ecef;display:block}.card .noimg{aspect-ratio:1/1;display:flex;align-items:center;justify-content:center;background:#f1e3e3;color:#8a2b2b;font-size:12px;padding:8px;text-align:center}
.thumb{position:relative;width:100%;background:#e9ecef}.thumb img{position:absolute;inset:0;width:100%;height:100%;aspect-ratio:auto;object-fit:fill}.thumb svg{position:absolute;inset:0;width:100%;height:100%;pointer-events:none}
.thumb svg rect{fill:none;stroke:#ffcc00;stroke-width:3;vector-effect:non-scaling-stroke}.thumb svg text{fill:#ffcc00;paint-order:stroke;stroke:#000;stroke-width:3px;font-weight:700;font-size:12px}
body.no-boxes .thumb svg{display:none}.card .experts{color:#445;margin:2px 0}.card .reasons{color:#a33;margin:2px 0}
.card .body{padding:8px;font-size:12px}.card .prompt{font-weight:500;margin-bottom:4px}.card .score{font-size:15px;font-weight:700}
.score.good{color:#1f7a3a}.score.mid{color:#a86a00}.score.bad{color:#b42318}.tag{display:inline-block;background:#eef1f5;border-radius:4px;padding:0 6px;margin-right:4px;color:#445}
.card .why{white-space:pre-line;font-size:12px;color:#333;margin-top:2px}.card details{margin-top:4px}.card pre{white-space:pre-wrap;word-break:break-word;font-size:11px;max-height:220px;overflow:auto;background:#f6f7f9;padding:6px;margin:4px 0 0}
ul.problems{margin:0;padding-left:18px;font-size:13px}ul.problems li{margin:2px 0}.muted{color:#666}
`;

const SCRIPT = `
(function(){
  var data = JSON.parse(document.getElementById('records-data').textContent);
  var grid = document.getElementById('grid');
  var sortSel = document.getElementById('sort');
  var catSel = document.getElementById('category-filter');
  var search = document.getElementById('search');
  var count = document.getElementById('grid-count');
  function cls(s){ return s === null ? '' : s >= 0.7 ? 'good' : s >= 0.4 ? 'mid' : 'bad'; }
  function el(tag, attrs, text){ var e = document.createElement(tag); for (var k in attrs) e.setAttribute(k, attrs[k]); if (text !== undefined) e.textContent = text; return e; }
  function value(r){ return r.score === null ? Infinity : r.score; }
  var sorters = {
    'score-asc': function(a,b){ return value(a) - value(b) || (a.key < b.key ? -1 : 1); },
    'score-desc': function(a,b){ return (b.score === null ? -Infinity : b.score) - (a.score === null ? -Infinity : a.score) || (a.key < b.key ? -1 : 1); },
    'category': function(a,b){ return a.category < b.category ? -1 : a.category > b.category ? 1 : value(a) - value(b); },
    'prompt': function(a,b){ return a.prompt < b.prompt ? -1 : a.prompt > b.prompt ? 1 : a.sample - b.sample; }
  };
  var PAGE = 300, shownCount = PAGE;
  var more = document.getElementById('show-more');
  more.addEventListener('click', function(){ shownCount += PAGE; render(true); });
  function render(keep){
    if (!keep) shownCount = PAGE;
    var q = search.value.trim().toLowerCase();
    var cat = catSel.value;
    var rows = data.filter(function(r){ return (cat === '' || r.category === cat) && (q === '' || r.prompt.toLowerCase().indexOf(q) >= 0); });
    rows.sort(sorters[sortSel.value]);
    grid.textContent = '';
    var frag = document.createDocumentFragment();
    var total = rows.length;
    rows = rows.slice(0, shownCount);
    rows.forEach(function(r){
      var card = el('div', {'class': 'card', 'data-key': r.key, 'data-score': r.score === null ? '' : String(r.score)});
      if (r.image && r.size) {
        var thumb = el('div', {'class': 'thumb', style: 'aspect-ratio:' + r.size[0] + '/' + r.size[1]});
        thumb.appendChild(el('img', {src: r.image, alt: r.prompt, loading: 'lazy', title: r.image}));
        var boxes = [];
        Object.keys(r.experts).forEach(function(name){ var d = r.experts[name].details; if (d && Array.isArray(d.boxes)) boxes = boxes.concat(d.boxes); });
        if (boxes.length) {
          var NS = 'http://www.w3.org/2000/svg';
          var svg = document.createElementNS(NS, 'svg'); svg.setAttribute('viewBox', '0 0 ' + r.size[0] + ' ' + r.size[1]); svg.setAttribute('preserveAspectRatio', 'none'); svg.setAttribute('class', 'boxes');
          var fontScale = Math.max(r.size[0], r.size[1]) / 240;
          // Labels are placed greedily: inside the image, and moved down a line while they would overlap one
          // already placed (boxes of one object often share a corner).
          var fontSize = 12 * fontScale, lineH = 16 * fontScale, placed = [];
          var overlaps = function(a){ return placed.some(function(p){ return a.x < p.x + p.w && p.x < a.x + a.w && a.y < p.y + p.h && p.y < a.y + a.h; }); };
          boxes.forEach(function(b){ if (!b || !Array.isArray(b.box)) return;
            var rect = document.createElementNS(NS, 'rect'); rect.setAttribute('x', b.box[0]); rect.setAttribute('y', b.box[1]); rect.setAttribute('width', Math.max(0, b.box[2] - b.box[0])); rect.setAttribute('height', Math.max(0, b.box[3] - b.box[1])); svg.appendChild(rect);
            var text = (b.label || '') + (typeof b.score === 'number' ? ' ' + b.score.toFixed(2) : '');
            var w = (text.length * 0.66 + 0.5) * fontSize;
            var spot = {x: Math.max(0, Math.min(b.box[0] + 2 * fontScale, r.size[0] - w)), y: Math.max(0, Math.min(b.box[1], r.size[1] - lineH)), w: w, h: lineH};
            for (var tries = 0; tries < 12 && overlaps(spot); tries++) spot.y = spot.y + lineH <= r.size[1] - lineH ? spot.y + lineH : 0;
            placed.push(spot);
            var t = document.createElementNS(NS, 'text'); t.setAttribute('x', spot.x); t.setAttribute('y', spot.y + fontSize); t.setAttribute('class', 'box-label'); t.setAttribute('style', 'font-size:' + fontSize + 'px;stroke-width:' + (3 * fontScale) + 'px'); t.textContent = text; svg.appendChild(t); });
          thumb.appendChild(svg);
        }
        card.appendChild(thumb);
      } else if (r.image) { card.appendChild(el('img', {src: r.image, alt: r.prompt, loading: 'lazy', title: r.image})); }
      else card.appendChild(el('div', {'class': 'noimg'}, r.problem || 'no image'));
      var body = el('div', {'class': 'body'});
      body.appendChild(el('div', {'class': 'prompt'}, r.prompt));
      var line = el('div');
      line.appendChild(el('span', {'class': 'score ' + cls(r.score)}, r.score === null ? r.status : r.score.toFixed(3)));
      line.appendChild(document.createTextNode(' '));
      line.appendChild(el('span', {'class': 'tag'}, r.category));
      if (r.sample > 0 || data.multiSample) line.appendChild(el('span', {'class': 'tag'}, '#' + r.sample));
      if (r.correct !== undefined) line.appendChild(el('span', {'class': 'tag'}, r.correct ? 'correct' : 'wrong'));
      body.appendChild(line);
      var names = Object.keys(r.experts);
      if (names.length) body.appendChild(el('div', {'class': 'experts'}, names.map(function(n){ var e = r.experts[n]; return n + ' ' + (e.score === null ? (e.error ? 'failed' : '–') : e.score.toFixed(3)) + (e.cached ? ' (cached)' : ''); }).join(' · ')));
      // GenEval: the rule(s) that failed, from the detector's details (e.g. "expected dog>=2, found 1").
      names.forEach(function(n){ var d = r.experts[n].details; if (d && Array.isArray(d.reasons) && d.reasons.length) body.appendChild(el('div', {'class': 'reasons'}, 'failed: ' + d.reasons.join('; '))); });
      if (r.why) body.appendChild(el('div', {'class': 'why'}, r.why));
      if (r.problem) body.appendChild(el('div', {'class': 'muted'}, r.problem));
      var det = el('details'); det.appendChild(el('summary', {}, 'expert details'));
      det.appendChild(el('pre', {}, JSON.stringify(r.experts, null, 1)));
      if (r.warnings && r.warnings.length) det.appendChild(el('pre', {}, 'warnings: ' + r.warnings.join('\\n')));
      body.appendChild(det);
      card.appendChild(body);
      frag.appendChild(card);
    });
    grid.appendChild(frag);
    count.textContent = (rows.length < total ? 'showing ' + rows.length + ' of ' : '') + total + (total < data.length ? ' matching, ' + data.length + ' in all' : ' images');
    more.hidden = rows.length >= total;
  }
  var boxToggle = document.getElementById('show-boxes');
  boxToggle.addEventListener('change', function(){ document.body.classList.toggle('no-boxes', !boxToggle.checked); });
  sortSel.addEventListener('change', function(){ render(); }); catSel.addEventListener('change', function(){ render(); }); search.addEventListener('input', function(){ render(); });
  var header = document.querySelectorAll('table.summary th[data-sort]');
  header.forEach(function(th){ th.style.cursor = 'pointer'; th.addEventListener('click', function(){
    var tbody = document.querySelector('table.summary tbody'); var col = Number(th.getAttribute('data-sort'));
    var rowsEls = Array.prototype.slice.call(tbody.querySelectorAll('tr:not(.overall)'));
    var dir = th.getAttribute('data-dir') === 'asc' ? 'desc' : 'asc'; th.setAttribute('data-dir', dir);
    rowsEls.sort(function(a,b){ var x = a.children[col].getAttribute('data-v'), y = b.children[col].getAttribute('data-v');
      var nx = Number(x), ny = Number(y); var c = isNaN(nx) || isNaN(ny) ? (x < y ? -1 : x > y ? 1 : 0) : nx - ny; return dir === 'asc' ? c : -c; });
    var overall = tbody.querySelector('tr.overall'); rowsEls.forEach(function(r){ tbody.insertBefore(r, overall); });
  }); });
  render();
})();
`;

export interface HtmlReportInput {
  manifest: RunManifest;
  summary: RunSummary;
  records: readonly ResultRecord[];
  /** Plugins whose `explain` writes each card's "why" line (default: the detector's, then registered ones). */
  plugins?: readonly ExpertPlugin[];
}

/** "detector: dog 1/1, dog left of car: 0.90" per expert that explains itself, one per line. */
export function explainRecord(record: Pick<ResultRecord, 'experts'>, plugins: readonly ExpertPlugin[] = [detectorPlugin]): string {
  return Object.entries(record.experts)
    .map(([name, expert]) => {
      const why = explainOutcome(expert, plugins);
      return why ? `${name}: ${why}` : '';
    })
    .filter(Boolean)
    .join('\n');
}

/** A self-contained HTML report: inline CSS, JS and SVG; images as links relative to the run folder. */
/** The agreement between experts (when two or more scored): per-expert means, τ-b per pair overall and within prompts. */
export function agreementSection(summary: RunSummary): string {
  const a = summary.agreement;
  if (!a) return '';
  const within = new Map(a.withinPrompt.pairs.map((p) => [`${p.a}|${p.b}`, p]));
  const rows = a.overall
    .map((p) => {
      const w = within.get(`${p.a}|${p.b}`);
      return `<tr><td>${escapeHtml(p.a)} – ${escapeHtml(p.b)}</td><td>${formatNumber(p.tau)}</td><td>${w && w.groups > 0 ? `${formatNumber(w.tau)} (${w.groups} prompts)` : '–'}</td></tr>`;
    })
    .join('');
  const means = a.experts.map((e) => `${escapeHtml(e)} ${formatNumber(a.means[e]?.mean)} (n=${a.means[e]?.n ?? 0})`).join(' · ');
  const best =
    a.withinPrompt.bestDiffers === null
      ? ''
      : `<p>Best sample differs by expert in <b>${formatNumber(a.withinPrompt.bestDiffers * 100, 1)}%</b> of prompts (no sample is best for every expert).</p>`;
  return `<section id="agreement"><h2>Agreement between experts</h2><p class="muted">Kendall τ-b (ties handled) between experts' scores of the same images: over all ${a.images} images, and within each prompt's samples. Mean score: ${means}.</p>
<table class="summary"><thead><tr><th>experts</th><th>τ-b, all images</th><th>τ-b within prompts</th></tr></thead><tbody>${rows}</tbody></table>${best}</section>`;
}

export function renderHtmlReport({ manifest, summary, records, plugins }: HtmlReportInput): string {
  const metric = summary.metric === 'accuracy' ? 'accuracy' : 'mean score';
  const rowsHtml = summary.categories
    .map(
      (c) =>
        `<tr><td data-v="${escapeHtml(c.category)}">${escapeHtml(c.category)}${c.note ? ` <span class="muted">(${escapeHtml(c.note)})</span>` : ''}</td>` +
        `<td data-v="${c.mean ?? ''}">${formatNumber(c.mean)}</td><td data-v="${c.ci?.[0] ?? ''}">${formatCi(c)}</td><td data-v="${c.n}">${c.n}</td>` +
        `<td data-v="${c.errors}">${c.errors}</td><td data-v="${c.unsupported}">${c.unsupported}</td></tr>`,
    )
    .join('');
  const overall = `<tr class="overall"><td>overall${summary.overallMode === 'mean-of-categories' ? ' (mean of categories)' : ''}</td><td>${formatNumber(summary.overall.mean)}</td><td>${formatCi(summary.overall)}</td><td>${summary.overall.n}</td><td>${summary.counts.errors}</td><td>${summary.counts.unsupported}</td></tr>`;
  // GenEval: the headline counts unjudged images as incorrect (as the reference would); judged-only beside it.
  const judgedNote = summary.judgedOverall
    ? `<p class="muted">${metric} above: every image counts, an unjudged one as incorrect, as GenEval reports. Over judged images only: ${summary.categories
        .filter((c) => c.judged)
        .map((c) => `${escapeHtml(c.category)} ${formatNumber(c.judged!.mean)} (n ${c.judged!.n})`)
        .join(' · ')} · overall ${formatNumber(summary.judgedOverall.mean)}.</p>`
    : '';
  // Missing images (a partial folder) are one count, not one line or one placeholder card each.
  const missingImages = summary.problems.filter((p) => p.kind === 'missing-image');
  const listed = [
    ...(missingImages.length > 0
      ? [{ kind: 'missing-image', message: `${missingImages.length} images missing (first: ${missingImages[0]!.message.replace(/^missing image: /, '')})` }]
      : []),
    ...summary.problems.filter((p) => p.kind !== 'missing-image'),
  ];
  const incomplete = summary.incomplete
    ? `<p class="incomplete"><b>Incomplete run: ${summary.incomplete.present} of ${summary.incomplete.expected} images present (${formatCoverage(summary.incomplete.coverage)}), ${summary.incomplete.missing} missing</b>: the scores cover the present images only.</p>`
    : '';
  const problems = listed.length
    ? `<ul class="problems">${listed
        .slice(0, 500)
        .map((p) => `<li><span class="tag">${p.kind}</span>${escapeHtml(p.message)}</li>`)
        .join('')}</ul>${listed.length > 500 ? `<p class="muted">… ${listed.length - 500} more in summary.json</p>` : ''}`
    : '<p class="muted">none</p>';
  const categories = [...new Set(records.map((r) => r.category))].sort();
  const data = records
    .filter((r) => !(r.status === 'error' && r.problem?.kind === 'missing-image'))
    .map((r) => ({
      key: r.key,
      prompt: r.prompt,
      category: r.category,
      sample: r.sample,
      status: r.status,
      score: r.score,
      ...(r.correct !== undefined ? { correct: r.correct } : {}),
      image: r.image ?? null,
      size: r.imageSize ?? null,
      experts: r.experts,
      why: explainRecord(r, plugins),
      warnings: r.warnings,
      problem: r.problem?.message ?? (r.status === 'unsupported' ? (r.warnings[0] ?? null) : null),
    }));
  const bad =
    Object.entries(summary.counts.badInputs)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ') || 'none';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>t2ir bench · ${escapeHtml(summary.suite)} · ${escapeHtml(summary.protocol)}</title>
<style>${STYLE}</style></head>
<body>
<header><h1>Benchmark report: ${escapeHtml(summary.suite)}</h1>
<div class="meta">protocol <b>${escapeHtml(summary.protocol)}</b> (${metric}) · images from ${escapeHtml(describeImageSource(manifest.source))} · ${summary.counts.scored} scored, ${summary.counts.errors} failed, ${summary.counts.unsupported} unsupported, ${summary.counts.pending} pending${summary.shard ? ` · shard ${escapeHtml(summary.shard)}` : ''} · updated ${escapeHtml(manifest.updatedAt)}</div>${incomplete}</header>
<main>
<section id="summary"><h2>Per category (${metric}, 95% bootstrap interval)</h2>
<table class="summary"><thead><tr><th data-sort="0">category</th><th data-sort="1">${metric}</th><th data-sort="2">95% CI</th><th data-sort="3">n</th><th data-sort="4">errors</th><th data-sort="5">unsupported</th></tr></thead>
<tbody>${rowsHtml}${overall}</tbody></table>${judgedNote}</section>
${agreementSection(summary)}
<section id="charts"><h2>Charts</h2>${categoryBarChart(summary)}<h2>Score distribution per category</h2>${categoryHistograms(summary, records)}</section>
<section id="images"><h2>Images (worst first)</h2>
<div class="controls"><label>sort <select id="sort"><option value="score-asc" selected>score, worst first</option><option value="score-desc">score, best first</option><option value="category">category</option><option value="prompt">prompt</option></select></label>
<label>category <select id="category-filter"><option value="">all</option>${categories.map((c) => `<option value="${escapeHtml(c)}">${escapeHtml(c)}</option>`).join('')}</select></label>
<label>prompt contains <input id="search" type="search"></label><label><input id="show-boxes" type="checkbox" checked> detector boxes</label><span id="grid-count" class="muted"></span></div>
<div id="grid"></div><p><button id="show-more" type="button" hidden>show more</button></p></section>
<section id="problems"><h2>Bad inputs (${escapeHtml(bad)})</h2>${problems}</section>
</main>
<script type="application/json" id="records-data">${scriptJson(data)}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}

/** A run's image source in words (the manifest keeps the source's machine description). */
export function describeImageSource(source: string): string {
  if (source === 'item-images') return 'the images named by the prompts';
  const folder = /^folder:(compbench|geneval):(.*)$/.exec(source);
  if (folder) return `${folder[2]} (${folder[1] === 'geneval' ? "GenEval's layout" : 'T2I-CompBench naming'})`;
  if (source.startsWith('http:')) return `the image server ${source.slice(5)}`;
  if (source.startsWith('command:')) return `the command ${source.slice(8)}`;
  return source;
}
