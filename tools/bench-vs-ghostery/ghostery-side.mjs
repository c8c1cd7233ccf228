// Ghostery's side of tools/bench-vs-ghostery.sh: loads an Adblock Plus list into @ghostery/adblocker's
// FiltersEngine (timed, with its memory), matches every URL passes+1 times (the first pass warms up and gives
// the verdicts), writes one verdict line per URL and prints a JSON summary on stdout. A second series times
// engine.match alone, on requests built beforehand.
//
//   node --expose-gc ghostery-side.mjs --filters LIST.txt --urls URLS.tsv --verdicts OUT.tsv [--passes N] [--loads N]
//        [--serialized-out ENGINE.bin]
//   node --expose-gc ghostery-side.mjs --deserialize ENGINE.bin [--loads N]
//       Times FiltersEngine.deserialize in a fresh process (first call cold, then the median of N), with the heap
//       the first engine takes: Ghostery's start-up path when the engine was built ahead of time.
//
// URLS.tsv lines: type<TAB>url<TAB>source url<TAB>origin (written by prepare-urls.mjs). What is timed per URL is
// what an extension does for one request: Request.fromRawDetails (URL parsing, hostname hashes) + engine.match.

import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { FiltersEngine, Request } from '@ghostery/adblocker';

const require = createRequire(import.meta.url);
const { version } = require('@ghostery/adblocker/package.json');

function parseArgs(argv) {
  const out = { passes: 5, loads: 10 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (
      !['filters', 'urls', 'verdicts', 'passes', 'loads', 'serialized-out', 'deserialize'].includes(key) ||
      i + 1 >= argv.length
    ) {
      throw new Error(`bad option ${argv[i]}`);
    }
    out[key] = ['passes', 'loads'].includes(key) ? Math.max(1, Number(argv[i + 1])) : argv[i + 1];
  }
  if (out.deserialize) return out;
  if (!out.filters || !out.urls || !out.verdicts) {
    throw new Error(
      'usage: ghostery-side.mjs --filters LIST.txt --urls URLS.tsv --verdicts OUT.tsv [--passes N] [--loads N]',
    );
  }
  return out;
}

function percentile(values, q) {
  if (values.length === 0) return 0;
  const v = Float64Array.from(values).sort();
  const pos = q * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, v.length - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

function memory() {
  if (global.gc) {
    global.gc();
    global.gc();
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed + m.external };
}

const args = parseArgs(process.argv.slice(2));

if (args.deserialize) {
  const buffer = new Uint8Array(readFileSync(args.deserialize));
  const times = [];
  const before = memory();
  let kept = null;
  let after = null;
  for (let i = 0; i < args.loads; i += 1) {
    const t = process.hrtime.bigint();
    const engine = FiltersEngine.deserialize(buffer);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (i === 0) {
      kept = engine;
      after = memory();
    }
  }
  process.stdout.write(
    `${JSON.stringify(
      {
        deserialize_ms_first: times[0],
        deserialize_ms_median: percentile(times, 0.5),
        serialized_bytes: buffer.length,
        memory_heap_kb: (after.heap - before.heap) / 1024,
        memory_rss_kb: (after.rss - before.rss) / 1024,
        engine_kept: kept !== null,
      },
      null,
      2,
    )}\n`,
  );
  process.exit(0);
}
// Network filters only; the rest as Ghostery ships it (optimisations and its token-bucket cache on).
const config = { loadCosmeticFilters: false, loadNetworkFilters: true, loadCSPFilters: false };

const before = memory();
let t0 = process.hrtime.bigint();
let engine = FiltersEngine.parse(readFileSync(args.filters, 'utf8'), config);
const firstLoadMs = Number(process.hrtime.bigint() - t0) / 1e6;
const after = memory();

const loadMs = [firstLoadMs];
for (let i = 1; i < args.loads; i += 1) {
  t0 = process.hrtime.bigint();
  FiltersEngine.parse(readFileSync(args.filters, 'utf8'), config);
  loadMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
// Ghostery's own fast path: an engine serialised ahead of time and read back at start-up.
const serialized = engine.serialize();
if (args['serialized-out']) writeFileSync(args['serialized-out'], serialized);
const deserializeMs = [];
for (let i = 0; i < args.loads; i += 1) {
  t0 = process.hrtime.bigint();
  FiltersEngine.deserialize(serialized);
  deserializeMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
}

const requests = [];
for (const line of readFileSync(args.urls, 'utf8').split('\n')) {
  if (!line) continue;
  const [type, url, sourceUrl] = line.split('\t');
  requests.push({ type, url, sourceUrl: sourceUrl || '' });
}

const overhead = [];
for (let i = 0; i < 10000; i += 1) {
  const a = process.hrtime.bigint();
  const b = process.hrtime.bigint();
  overhead.push(Number(b - a));
}

const samples = requests.map(() => []);
const verdicts = new Array(requests.length);
let measuredTotalMs = 0;
for (let pass = 0; pass <= args.passes; pass += 1) {
  const passStart = process.hrtime.bigint();
  for (let i = 0; i < requests.length; i += 1) {
    const r = requests[i];
    const a = process.hrtime.bigint();
    const result = engine.match(Request.fromRawDetails(r));
    const b = process.hrtime.bigint();
    if (pass === 0) {
      verdicts[i] = result.match === true ? `1\t${result.filter ? result.filter.toString() : ''}` : '0\t';
    } else {
      samples[i].push(Number(b - a));
    }
  }
  if (pass > 0) measuredTotalMs += Number(process.hrtime.bigint() - passStart) / 1e6;
}
const perUrl = samples.map((s) => percentile(s, 0.5));

// The same, with the Request objects built before the clock starts (fresh ones each pass, so that no token cache
// carries over): engine.match alone.
const matchSamples = requests.map(() => []);
for (let pass = 0; pass < args.passes; pass += 1) {
  const built = requests.map((r) => Request.fromRawDetails(r));
  for (let i = 0; i < built.length; i += 1) {
    const a = process.hrtime.bigint();
    engine.match(built[i]);
    const b = process.hrtime.bigint();
    matchSamples[i].push(Number(b - a));
  }
}
const matchOnly = matchSamples.map((s) => percentile(s, 0.5));
writeFileSync(args.verdicts, `${verdicts.join('\n')}\n`);

const summary = {
  engine: `@ghostery/adblocker ${version}`,
  node: process.version,
  rules: args.filters,
  network_filters: engine.getFilters().networkFilters.length,
  load_ms_first: firstLoadMs,
  load_ms_median: percentile(loadMs, 0.5),
  load_ms_all: loadMs,
  deserialize_ms_median: percentile(deserializeMs, 0.5),
  serialized_bytes: serialized.length,
  memory_rss_kb: (after.rss - before.rss) / 1024,
  memory_heap_kb: (after.heap - before.heap) / 1024,
  urls: requests.length,
  matched: verdicts.filter((v) => v.startsWith('1')).length,
  passes: args.passes,
  per_url_ns_median: percentile(perUrl, 0.5),
  per_url_ns_p99: percentile(perUrl, 0.99),
  per_url_ns_mean: perUrl.reduce((s, v) => s + v, 0) / Math.max(1, perUrl.length),
  per_url_ns_max: perUrl.reduce((m, v) => Math.max(m, v), 0),
  pass_ms_mean: measuredTotalMs / args.passes,
  match_only_ns_median: percentile(matchOnly, 0.5),
  match_only_ns_p99: percentile(matchOnly, 0.99),
  timer_overhead_ns_median: percentile(overhead, 0.5),
};
engine = null;
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
