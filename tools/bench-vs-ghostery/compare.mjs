// Puts the two sides of tools/bench-vs-ghostery.sh side by side: load time, memory, match time per URL (median,
// p99), and how often the two verdicts agree, with examples of disagreements (addresses masked, long URLs cut).
//
//   node compare.mjs --urls URLS.tsv --ours SUMMARY.json --ours-verdicts V.tsv \
//                    --ghostery SUMMARY.json --ghostery-verdicts V.tsv [--ghostery-deserialize SUMMARY.json]
//                    [--label TEXT] [--json-out FILE]

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

const args = parseArgs(process.argv.slice(2));
const ours = JSON.parse(readFileSync(args.ours, 'utf8'));
const theirs = JSON.parse(readFileSync(args.ghostery, 'utf8'));
const cold = args['ghostery-deserialize'] ? JSON.parse(readFileSync(args['ghostery-deserialize'], 'utf8')) : null;
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
const ratio = (js, cpp) => (cpp > 0 ? `${(js / cpp).toFixed(1)}x` : '-');
const row = (name, a, b, r) =>
  `${name.padEnd(34)}${String(a).padStart(16)}${String(b).padStart(18)}${String(r).padStart(12)}`;

const out = [];
out.push(`MailVeil matcher vs ${theirs.engine} (${theirs.node}), same rules: ${args.label || ours.rules}`);
out.push(
  `${total.urls} URLs: ${Object.entries(byOrigin)
    .map(([k, o]) => `${k} ${o.urls}`)
    .join(', ')}; ` + `${ours.passes} timed passes after one warm-up, per-URL figure = median over the passes`,
);
out.push('');
out.push(row('', 'MailVeil (C++)', 'Ghostery (JS)', 'JS / C++'));
out.push(row('rules loaded', `${ours.entries} entries`, `${theirs.network_filters} filters`, ''));
if (ours.patterns_left_out_of_set > 0) {
  out.push(`  (MailVeil: ${ours.patterns_left_out_of_set} patterns left out of the RE2 set, over its size budget)`);
}
out.push(
  row(
    'load, first in a fresh process',
    fmt(ours.load_ms_first, 'ms'),
    fmt(theirs.load_ms_first, 'ms'),
    ratio(theirs.load_ms_first, ours.load_ms_first),
  ),
);
out.push(
  row(
    'load again, same process (median)',
    fmt(ours.load_ms_median, 'ms'),
    fmt(theirs.load_ms_median, 'ms'),
    ratio(theirs.load_ms_median, ours.load_ms_median),
  ),
);
if (cold) {
  out.push(
    row(
      '  Ghostery deserialize, fresh process',
      '',
      fmt(cold.deserialize_ms_first, 'ms'),
      ratio(cold.deserialize_ms_first, ours.load_ms_first),
    ),
  );
}
out.push(
  row(
    '  Ghostery deserialize, warm (median)',
    '',
    fmt(theirs.deserialize_ms_median, 'ms'),
    ratio(theirs.deserialize_ms_median, ours.load_ms_median),
  ),
);
out.push(
  row(
    'memory of the loaded rules (heap)',
    fmt(ours.memory_heap_kb, 'KiB', 0),
    fmt(theirs.memory_heap_kb, 'KiB', 0),
    ratio(theirs.memory_heap_kb, ours.memory_heap_kb),
  ),
);
out.push(
  row(
    'memory, RSS growth at load',
    fmt(ours.memory_rss_kb, 'KiB', 0),
    fmt(theirs.memory_rss_kb, 'KiB', 0),
    ratio(theirs.memory_rss_kb, ours.memory_rss_kb),
  ),
);
out.push(
  row(
    'match per URL, median',
    fmt(ours.per_url_ns_median, 'ns', 0),
    fmt(theirs.per_url_ns_median, 'ns', 0),
    ratio(theirs.per_url_ns_median, ours.per_url_ns_median),
  ),
);
out.push(
  row(
    'match per URL, p99',
    fmt(ours.per_url_ns_p99, 'ns', 0),
    fmt(theirs.per_url_ns_p99, 'ns', 0),
    ratio(theirs.per_url_ns_p99, ours.per_url_ns_p99),
  ),
);
out.push(
  row(
    '  Ghostery match() alone, median',
    '',
    fmt(theirs.match_only_ns_median, 'ns', 0),
    ratio(theirs.match_only_ns_median, ours.per_url_ns_median),
  ),
);
out.push(
  row(
    '  Ghostery match() alone, p99',
    '',
    fmt(theirs.match_only_ns_p99, 'ns', 0),
    ratio(theirs.match_only_ns_p99, ours.per_url_ns_p99),
  ),
);
out.push(
  row(
    'match per URL, mean',
    fmt(ours.per_url_ns_mean, 'ns', 0),
    fmt(theirs.per_url_ns_mean, 'ns', 0),
    ratio(theirs.per_url_ns_mean, ours.per_url_ns_mean),
  ),
);
out.push(
  row(
    'one pass over all URLs',
    fmt(ours.pass_ms_mean, 'ms'),
    fmt(theirs.pass_ms_mean, 'ms'),
    ratio(theirs.pass_ms_mean, ours.pass_ms_mean),
  ),
);
out.push(
  row(
    '  (clock read cost, median)',
    fmt(ours.timer_overhead_ns_median, 'ns', 0),
    fmt(theirs.timer_overhead_ns_median, 'ns', 0),
    '',
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
        ours,
        ghostery: theirs,
        ghostery_cold_deserialize: cold,
        agreement: byOrigin,
        disagreements: disagreements.slice(0, 100).map((d) => ({ ...d, url: cut(maskAddresses(d.url), 300) })),
      },
      null,
      2,
    )}\n`,
  );
}
