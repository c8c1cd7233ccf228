// Puts the two sides of tools/bench-vs-ghostery.sh side by side: load time, memory, match time per URL (median,
// p99), and how often the two verdicts agree, with examples of disagreements (addresses masked, long URLs cut).
// The timed figures come from several interleaved rounds (each round runs both engines, in alternating order):
// each side's figure is its median over the rounds, and each ratio is taken within a round, then printed as its
// median [min-max] over the rounds, so that a machine busy during one run slows both sides of that ratio.
//
//   node compare.mjs --urls URLS.tsv --ours R1.json,R2.json,... --ours-verdicts V.tsv
//                    --ghostery R1.json,R2.json,... --ghostery-verdicts V.tsv
//                    [--ours-cache R1.json,...] [--ghostery-deserialize R1.json,...] [--label TEXT] [--json-out FILE]
//
// --ours-cache: `matcher_compare load-cache` summaries (the host's start from its compiled cache);
// --ghostery-deserialize: `ghostery-side.mjs --deserialize` summaries (Ghostery's start from its serialised
// engine). Both are fresh processes, one per round.

import { readFileSync, writeFileSync } from 'node:fs';

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  for (const k of ['urls', 'ours', 'ours-verdicts', 'ghostery', 'ghostery-verdicts']) {
    if (!out[k]) throw new Error(`compare.mjs: --${k} is required`);
  }
  return out;
}

const maskAddresses = (s) =>
  s.replace(/([A-Za-z0-9._+-])[A-Za-z0-9._+-]*(@|%40)([A-Za-z0-9-]+\.[A-Za-z0-9.-]+)/g, '$1…@$3');
const cut = (s, n) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const lines = (file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l, i, a) => l !== '' || i < a.length - 1);
const readRounds = (list) => (list ? list.split(',').map((f) => JSON.parse(readFileSync(f, 'utf8'))) : []);

const args = parseArgs(process.argv.slice(2));
const oursRounds = readRounds(args.ours);
const theirsRounds = readRounds(args.ghostery);
const oursCache = readRounds(args['ours-cache']);
const theirsCold = readRounds(args['ghostery-deserialize']);
if (oursRounds.length !== theirsRounds.length) throw new Error('compare.mjs: as many rounds of each side, please');
const ours = oursRounds[0];
const theirs = theirsRounds[0];
const requests = lines(args.urls).map((l) => l.split('\t'));
const ov = lines(args['ours-verdicts']).map((l) => l.split('\t'));
const gv = lines(args['ghostery-verdicts']).map((l) => l.split('\t'));
if (ov.length !== requests.length || gv.length !== requests.length) {
  throw new Error(`verdict counts differ: ${requests.length} URLs, ${ov.length} ours, ${gv.length} Ghostery's`);
}

const byOrigin = {};
const disagreements = [];
for (let i = 0; i < requests.length; i += 1) {
  const origin = requests[i][3] || 'all';
  const o = byOrigin[origin] || (byOrigin[origin] = { urls: 0, both: 0, neither: 0, onlyOurs: 0, onlyGhostery: 0 });
  o.urls += 1;
  const a = ov[i][0] === '1';
  const b = gv[i][0] === '1';
  if (a && b) o.both += 1;
  else if (!a && !b) o.neither += 1;
  else if (a) o.onlyOurs += 1;
  else o.onlyGhostery += 1;
  if (a !== b) {
    disagreements.push({
      origin,
      type: requests[i][0],
      url: requests[i][1],
      ours: ov[i][1] || '',
      ghostery: gv[i][1] || '',
    });
  }
}
const total = Object.values(byOrigin).reduce(
  (t, o) => ({
    urls: t.urls + o.urls,
    both: t.both + o.both,
    neither: t.neither + o.neither,
    onlyOurs: t.onlyOurs + o.onlyOurs,
    onlyGhostery: t.onlyGhostery + o.onlyGhostery,
  }),
  { urls: 0, both: 0, neither: 0, onlyOurs: 0, onlyGhostery: 0 },
);
const agreement = (o) => (o.urls === 0 ? 1 : (o.both + o.neither) / o.urls);

const fmt = (v, unit, digits = 2) => `${Number(v).toFixed(digits)} ${unit}`;
function median(values) {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}
// Ratio JS / C++ within each round, then its median [min-max] over the rounds.
const ratios = (js, cpp) => {
  const r = js.map((v, i) => (cpp[i] > 0 && v > 0 ? v / cpp[i] : NaN)).filter((v) => Number.isFinite(v));
  if (r.length === 0) return { text: '-', values: [] };
  const f = (v) => v.toFixed(v < 10 ? 2 : 1);
  const text = r.length === 1 ? `${f(r[0])}x` : `${f(median(r))}x [${f(Math.min(...r))}-${f(Math.max(...r))}]`;
  return { text, values: r };
};
const row = (name, a, b, r) =>
  `${name.padEnd(40)}${String(a).padStart(14)}${String(b).padStart(16)}${String(r).padStart(22)}`;
const figures = {};
// One line: a figure of each side (a field of each round's summary), their medians and the per-round ratio.
function line(name, ourRounds, ourKey, theirRounds, theirKey, unit, digits = 2) {
  const a = ourRounds.map((o) => o[ourKey]);
  const b = theirRounds.map((o) => o[theirKey]);
  const r = ours && a.length && b.length ? ratios(b, a) : { text: '', values: [] };
  figures[name] = { mailveil: a, ghostery: b, ratio_js_over_cpp: r.values };
  return row(name, a.length ? fmt(median(a), unit, digits) : '', b.length ? fmt(median(b), unit, digits) : '', r.text);
}

const out = [];
out.push(`MailVeil matcher vs ${theirs.engine} (${theirs.node}), same rules: ${args.label || ours.rules}`);
out.push(
  `${total.urls} URLs: ${Object.entries(byOrigin)
    .map(([k, o]) => `${k} ${o.urls}`)
    .join(', ')}; ${oursRounds.length} interleaved round(s), each ${ours.passes} timed passes after one warm-up ` +
    '(per-URL figure = median over the passes); figures: median over the rounds; ratio: within each round, ' +
    'median [min-max] over the rounds',
);
out.push('');
out.push(row('', 'MailVeil (C++)', 'Ghostery (JS)', 'JS / C++'));
out.push(row('rules loaded', `${ours.entries} entries`, `${theirs.network_filters} filters`, ''));
if (ours.patterns_left_out_of_set > 0) {
  out.push(`  (MailVeil: ${ours.patterns_left_out_of_set} patterns left out of the RE2 set, over its size budget)`);
}
out.push(
  line('parse text to ready engine, fresh process', oursRounds, 'load_ms_first', theirsRounds, 'load_ms_first', 'ms'),
);
out.push(line('  again, same process (median)', oursRounds, 'load_ms_median', theirsRounds, 'load_ms_median', 'ms'));
if (oursCache.length && theirsCold.length) {
  out.push(
    line(
      'start from the compiled form, fresh',
      oursCache,
      'cache_load_ms_first',
      theirsCold,
      'deserialize_ms_first',
      'ms',
      3,
    ),
  );
  out.push(
    line(
      '  again, same process (median)',
      oursCache,
      'cache_load_ms_median',
      theirsCold,
      'deserialize_ms_median',
      'ms',
      3,
    ),
  );
  out.push(line('  size of the compiled form', oursCache, 'cache_bytes', theirsCold, 'serialized_bytes', 'B', 0));
  out.push(line('  heap after that start', oursCache, 'memory_heap_kb', theirsCold, 'memory_heap_kb', 'KiB', 0));
  out.push('    (MailVeil maps its compiled form read-only: it is in the page cache, shared, not on the heap)');
}
out.push(
  line('memory of the parsed rules (heap)', oursRounds, 'memory_heap_kb', theirsRounds, 'memory_heap_kb', 'KiB', 0),
);
out.push(line('memory, RSS growth at parse', oursRounds, 'memory_rss_kb', theirsRounds, 'memory_rss_kb', 'KiB', 0));
out.push(line('match per URL, median', oursRounds, 'per_url_ns_median', theirsRounds, 'per_url_ns_median', 'ns', 0));
out.push(line('match per URL, p99', oursRounds, 'per_url_ns_p99', theirsRounds, 'per_url_ns_p99', 'ns', 0));
out.push(
  line(
    '  Ghostery match() alone, median',
    oursRounds,
    'per_url_ns_median',
    theirsRounds,
    'match_only_ns_median',
    'ns',
    0,
  ),
);
out.push(
  line('  Ghostery match() alone, p99', oursRounds, 'per_url_ns_p99', theirsRounds, 'match_only_ns_p99', 'ns', 0),
);
out.push(line('match per URL, mean', oursRounds, 'per_url_ns_mean', theirsRounds, 'per_url_ns_mean', 'ns', 0));
out.push(line('one pass over all URLs', oursRounds, 'pass_ms_mean', theirsRounds, 'pass_ms_mean', 'ms'));
out.push(
  line(
    '  (clock read cost, median)',
    oursRounds,
    'timer_overhead_ns_median',
    theirsRounds,
    'timer_overhead_ns_median',
    'ns',
    0,
  ),
);
out.push(row('URLs blocked', ours.matched, theirs.matched, ''));
out.push('');
out.push('verdict agreement (block / allow):');
for (const [name, o] of [...Object.entries(byOrigin), ['all', total]]) {
  out.push(
    `  ${name.padEnd(8)} ${(100 * agreement(o)).toFixed(3).padStart(8)}%  of ${o.urls}: both block ${o.both}, ` +
      `both allow ${o.neither}, only MailVeil ${o.onlyOurs}, only Ghostery ${o.onlyGhostery}`,
  );
}
if (disagreements.length > 0) {
  out.push('');
  out.push(`disagreements (${disagreements.length}, first 15, addresses masked):`);
  for (const d of disagreements.slice(0, 15)) {
    out.push(`  [${d.origin} ${d.type}] ${cut(maskAddresses(d.url), 150)}`);
    out.push(`      MailVeil: ${d.ours || 'allow'}   Ghostery: ${d.ghostery ? cut(d.ghostery, 100) : 'allow'}`);
  }
}
process.stdout.write(`${out.join('\n')}\n`);

if (args['json-out']) {
  writeFileSync(
    args['json-out'],
    `${JSON.stringify(
      {
        label: args.label,
        rounds: oursRounds.length,
        figures,
        ours: oursRounds,
        ghostery: theirsRounds,
        ours_cache: oursCache,
        ghostery_cold_deserialize: theirsCold,
        agreement: byOrigin,
        disagreements: disagreements.slice(0, 100).map((d) => ({ ...d, url: cut(maskAddresses(d.url), 300) })),
      },
      null,
      2,
    )}\n`,
  );
}
