// Builds the request set both engines run on (tools/bench-vs-ghostery.sh):
//   - the 20,603 requests of top500-sitelist-requests.json (url, sourceUrl, type), as recorded;
//   - every http(s) element URL of the dev corpus, from `mailveil-host scan --json` (the URL after webmail
//     unwrapping, which is what the host matches), typed as the browser would fetch it: links are top-level
//     navigations (main_frame), images "image", iframes "sub_frame", ...; the source is a webmail page.
// Fragments are dropped (they never reach the network). Output: type<TAB>url<TAB>source url<TAB>origin.
//
//   node prepare-urls.mjs --top500 FILE.json [--scan-json FILE.json] --out URLS.tsv

import { readFileSync, writeFileSync } from 'node:fs';

const WEBMAIL_PAGE = 'https://mail.example.com/mail/u/0/';
const KIND_TO_TYPE = {
  img: 'image',
  srcset: 'image',
  'css-background': 'image',
  'background-attr': 'image',
  'input-image': 'image',
  link: 'main_frame',
  form: 'main_frame',
  iframe: 'sub_frame',
  video: 'media',
  audio: 'media',
  embed: 'object',
  object: 'object',
};

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  if (!out.top500 || !out.out)
    throw new Error('usage: prepare-urls.mjs --top500 FILE.json [--scan-json FILE.json] --out URLS.tsv');
  return out;
}

function clean(url) {
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url) || /[\t\r\n]/.test(url)) return null;
  const hash = url.indexOf('#');
  return hash === -1 ? url : url.slice(0, hash);
}

const args = parseArgs(process.argv.slice(2));
const lines = [];
const counts = { top500: 0, corpus: 0, corpus_links: 0, corpus_fetched: 0 };

for (const r of JSON.parse(readFileSync(args.top500, 'utf8'))) {
  const url = clean(r.url);
  if (!url) continue;
  lines.push(`${r.type || 'other'}\t${url}\t${clean(r.sourceUrl) || ''}\ttop500`);
  counts.top500 += 1;
}

if (args['scan-json']) {
  const scan = JSON.parse(readFileSync(args['scan-json'], 'utf8'));
  for (const message of scan.messages || []) {
    for (const e of message.result?.elements || []) {
      const url = clean(e.unwrapped_url || e.url);
      if (!url) continue;
      const type = KIND_TO_TYPE[e.kind] || 'other';
      lines.push(`${type}\t${url}\t${WEBMAIL_PAGE}\tcorpus`);
      counts.corpus += 1;
      counts[type === 'main_frame' ? 'corpus_links' : 'corpus_fetched'] += 1;
    }
  }
}

writeFileSync(args.out, `${lines.join('\n')}\n`);
process.stderr.write(
  `requests: ${lines.length} (top-500 ${counts.top500}, dev corpus ${counts.corpus}: ` +
    `${counts.corpus_fetched} fetched, ${counts.corpus_links} links)\n`,
);
