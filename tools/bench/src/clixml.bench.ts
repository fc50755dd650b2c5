/**
 * CLIXML deserialization benchmark: ours against saxes' bare parse and fast-xml-parser, measured as alternating
 * pairs in one process on the same input (stack.md "Benchmark method"), plus the streaming parser's peak memory at
 * two object counts (each in a fresh child process, since peak RSS only grows within a process).
 *
 *   npm run bench                      (root: builds, then runs this)
 *   BENCH_OBJECTS=20000 BENCH_PAIRS=7  (defaults)
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createClixmlStreamParser, parseClixmlDocument } from '@exops/psrp';
import { XMLParser } from 'fast-xml-parser';
import { SaxesParser } from 'saxes';
import { buildMailboxClixmlDocument, generateMailboxClixmlChunks } from './mailbox-fixture.js';

const OBJECTS = Number(process.env['BENCH_OBJECTS'] ?? 20_000);
const PAIRS = Math.max(5, Number(process.env['BENCH_PAIRS'] ?? 7));
const FXP_OBJECTS = Math.min(OBJECTS, 2_000);
const CHUNK = 64 * 1024;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * CPU time (user + system) of one run, in ms. On a shared machine wall time also counts the time other processes
 * hold the cores; CPU time does not, while still charging GC work done on helper threads to the side causing it.
 */
function time(run: () => number, expected: number, label: string): number {
  const start = process.cpuUsage();
  const count = run();
  const used = process.cpuUsage(start);
  if (count !== expected) throw new Error(`${label} produced ${count} results, expected ${expected}`);
  return (used.user + used.system) / 1000;
}

function chunksOf(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.slice(i, i + size));
  return out;
}

interface PairResult {
  readonly label: string;
  readonly oursMs: number[];
  readonly baseMs: number[];
}

function pairs(label: string, ours: () => number, base: () => number, oursExpected: number, baseExpected: number): PairResult {
  // One warm-up of each, so both run optimized code.
  time(ours, oursExpected, 'ours');
  time(base, baseExpected, 'baseline');
  const oursMs: number[] = [];
  const baseMs: number[] = [];
  for (let i = 0; i < PAIRS; i++) {
    oursMs.push(time(ours, oursExpected, 'ours'));
    baseMs.push(time(base, baseExpected, 'baseline'));
    process.stdout.write('.');
  }
  process.stdout.write('\n');
  return { label, oursMs, baseMs };
}

function report(result: PairResult, bytes: number, objects: number, baseName: string): void {
  const ratios = result.oursMs.map((ms, i) => result.baseMs[i]! / ms);
  const oursMed = median(result.oursMs);
  const baseMed = median(result.baseMs);
  const mb = bytes / 1e6;
  console.log(`  ${result.label}`);
  console.log(`    ours:     ${(mb / (oursMed / 1000)).toFixed(1)} MB/s, ${Math.round(objects / (oursMed / 1000))} objects/s (median ${oursMed.toFixed(0)} ms CPU)`);
  console.log(`    ${baseName.padEnd(9)} ${(mb / (baseMed / 1000)).toFixed(1)} MB/s (median ${baseMed.toFixed(0)} ms CPU)`);
  console.log(`    ratio ours/${baseName.replace(':', '')} = ${median(ratios).toFixed(2)}x (median of ${ratios.length} pair ratios: ${ratios.map((r) => r.toFixed(2)).join(' ')})`);
}

function saxesCount(input: string | Uint8Array[]): number {
  const parser = new SaxesParser({ xmlns: true });
  let depth = 0;
  let objects = 0;
  parser.on('opentag', () => {
    depth++;
  });
  parser.on('closetag', () => {
    if (--depth === 1) objects++;
  });
  if (typeof input === 'string') {
    parser.write(input);
  } else {
    const decoder = new TextDecoder();
    for (const chunk of input) parser.write(decoder.decode(chunk, { stream: true }));
    parser.write(decoder.decode());
  }
  parser.close();
  return objects;
}

function streamCount(chunks: Uint8Array[]): number {
  const parser = createClixmlStreamParser();
  let objects = 0;
  for (const chunk of chunks) objects += parser.push(chunk).length;
  return objects + parser.end().length;
}

/** Child mode: stream `count` generated objects as UTF-8 chunks, dropping each object; print peak memory. */
function streamMemory(count: number): void {
  const encoder = new TextEncoder();
  const parser = createClixmlStreamParser();
  let pending = '';
  let objects = 0;
  let peakHeap = 0;
  let pushes = 0;
  const collect = (globalThis as { gc?: () => void }).gc;
  const feed = (text: string): void => {
    objects += parser.push(encoder.encode(text)).length;
    // Live heap after a full collection, sampled every 25 pushes: what the parser retains, not garbage not yet freed.
    if (++pushes % 25 === 0 && collect !== undefined) {
      collect();
      const heap = process.memoryUsage().heapUsed;
      if (heap > peakHeap) peakHeap = heap;
    }
  };
  for (const piece of generateMailboxClixmlChunks(count)) {
    pending += piece;
    if (pending.length >= CHUNK) {
      feed(pending);
      pending = '';
    }
  }
  feed(pending);
  objects += parser.end().length;
  if (objects !== count) throw new Error(`streamed ${objects} objects, expected ${count}`);
  console.log(JSON.stringify({ count, peakRss: process.resourceUsage().maxRSS * 1024, peakHeap }));
}

function runChild(count: number): { count: number; peakRss: number; peakHeap: number } {
  const args = [...process.execArgv, '--expose-gc', fileURLToPath(import.meta.url), '--stream-memory', String(count)];
  const result = spawnSync(process.execPath, args, {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`stream-memory child failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as { count: number; peakRss: number; peakHeap: number };
}

function main(): void {
  const mib = (n: number): string => `${(n / 1048576).toFixed(0)} MiB`;
  console.log(`CLIXML benchmark: ${OBJECTS} Get-Mailbox-shaped objects, ${PAIRS} alternating pairs per comparison`);

  console.log('\nStreaming memory (fresh process each, 64 KiB UTF-8 chunks generated on the fly, objects dropped as they arrive):');
  const small = runChild(Math.max(1, Math.round(OBJECTS / 10)));
  const large = runChild(OBJECTS);
  for (const r of [small, large]) console.log(`  ${String(r.count).padStart(6)} objects: peak RSS ${mib(r.peakRss)}, peak live heap ${mib(r.peakHeap)}`);
  console.log(`  ${large.count / small.count}x the objects → peak RSS ${(large.peakRss / small.peakRss).toFixed(2)}x, peak live heap ${(large.peakHeap / small.peakHeap).toFixed(2)}x (flat = 1.00x)`);

  const started = performance.now();
  const doc = buildMailboxClixmlDocument(OBJECTS);
  const bytes = Buffer.byteLength(doc);
  console.log(`\nGenerated ${(bytes / 1e6).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  console.log('\n1. Whole document → PSValue[] (parseClixmlDocument) vs saxes write(document) with xmlns: true, no object building');
  const whole = pairs('whole document', () => parseClixmlDocument(doc).length, () => saxesCount(doc), OBJECTS, OBJECTS);
  report(whole, bytes, OBJECTS, 'saxes:');

  console.log('\n2. Streaming 64 KiB UTF-8 chunks as the network delivers them, objects dropped (createClixmlStreamParser)');
  console.log('   vs saxes fed the same chunks through a streaming TextDecoder');
  const chunks = chunksOf(new TextEncoder().encode(doc), CHUNK);
  const streamed = pairs('streaming', () => streamCount(chunks), () => saxesCount(chunks), OBJECTS, OBJECTS);
  report(streamed, bytes, OBJECTS, 'saxes:');

  const fxpDoc = FXP_OBJECTS === OBJECTS ? doc : buildMailboxClixmlDocument(FXP_OBJECTS);
  const fxpBytes = Buffer.byteLength(fxpDoc);
  // Attributes kept and values left as text, so it reads what CLIXML needs (its defaults drop both).
  const fxp = new XMLParser({ ignoreAttributes: false, parseTagValue: false, processEntities: true });
  console.log(`\n3. Whole document of ${FXP_OBJECTS} objects (${(fxpBytes / 1e6).toFixed(1)} MB) vs fast-xml-parser parse (attributes kept, values as text)`);
  const versusFxp = pairs(
    'whole document',
    () => parseClixmlDocument(fxpDoc).length,
    () => {
      const tree = fxp.parse(fxpDoc) as { Objs: { Obj: unknown[] } };
      return tree.Objs.Obj.length;
    },
    FXP_OBJECTS,
    FXP_OBJECTS,
  );
  report(versusFxp, fxpBytes, FXP_OBJECTS, 'fxp:');

  console.log(`\nPeak RSS of this process: ${mib(process.resourceUsage().maxRSS * 1024)}`);
}

const memoryFlag = process.argv.indexOf('--stream-memory');
if (memoryFlag >= 0) streamMemory(Number(process.argv[memoryFlag + 1]));
else main();
