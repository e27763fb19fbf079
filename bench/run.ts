import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchBulkSync } from './bulk-sync';
import { benchPhotos } from './photos';
import { benchTerminalSync } from './terminal-sync';
import { benchDevices } from './devices';
import { benchDeviceAuth } from './device-auth';

/**
 * `npm run bench [-- bulk-sync | photos | terminal-sync | devices | device-auth]`: runs the benchmarks and prints figures with their ratio to the
 * target. Never part of `npm test`. Sizes: BENCH_N (default 500), BENCH_LARGE_N (default 20000).
 */
async function main(): Promise<void> {
  const only = process.argv[2];
  const log = (m: string) => process.stdout.write(`  ${m}\n`);
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  process.stdout.write(`machine: ${machine}\n`);
  const results: Record<string, unknown> = { machine, at: new Date().toISOString() };
  if (only === undefined || only === 'bulk-sync') {
    process.stdout.write('bench/bulk-sync\n');
    const n = Number(process.env.BENCH_N ?? 500);
    const largeN = Number(process.env.BENCH_LARGE_N ?? 20_000);
    const f = await benchBulkSync({ n, largeN, log });
    results.bulkSync = f;
    const row = (name: string, value: string, target: string, ratio: number) =>
      process.stdout.write(`  ${name.padEnd(44)} ${value.padStart(12)}   target ${target.padEnd(10)} ratio ${ratio.toFixed(3)} ${ratio <= 1 ? 'ok' : 'MISSED'}\n`);
    process.stdout.write(`  per-person orchestration overhead (pacing 0): ${f.pacing0.perPersonMs.toFixed(2)} ms\n`);
    row(`wall ÷ (N × 300 ms), N=${n}`, f.pacing300.ratio.toFixed(4), '≤ 1.02', f.pacing300.ratio / 1.02);
    row(`peak worker RSS, N=${f.large.n}`, `${f.large.peakWorkerRssMb.toFixed(0)} MB`, '≤ 400 MB', f.large.peakWorkerRssMb / 400);
    row(`largest history of ${f.large.runs} run(s)`, `${f.large.largestHistory} events`, '≤ 10000', f.large.largestHistory / 10_000);
    process.stdout.write(`  large run: ${(f.large.wallMs / 1000).toFixed(0)} s, ${f.large.perPersonMs.toFixed(2)} ms/person\n`);
  }
  if (only === undefined || only === 'photos') {
    process.stdout.write('bench/photos\n');
    const f = await benchPhotos({ log, people: Number(process.env.BENCH_FACES ?? 50_000) });
    results.photos = f;
    const row = (name: string, value: string, target: string, ratio: number) =>
      process.stdout.write(`  ${name.padEnd(52)} ${value.padStart(12)}   target ${target.padEnd(10)} ratio ${ratio.toFixed(3)} ${ratio <= 1 ? 'ok' : 'MISSED'}\n`);
    if ('unavailable' in f.magick) {
      process.stdout.write(`  normalisation vs ImageMagick: not measured (${f.magick.unavailable})\n`);
    } else {
      const best = Math.max(f.magick.plainPhotosPerSec, f.magick.hintedPhotosPerSec);
      const speedup = f.sharpPhotosPerSec / best;
      row('normalisation throughput ÷ ImageMagick (its best)', `${speedup.toFixed(2)}×`, '≥ 3×', 3 / speedup);
      process.stdout.write(`  (vs ImageMagick without the size hint: ${(f.sharpPhotosPerSec / f.magick.plainPhotosPerSec).toFixed(2)}×)\n`);
    }
    row('face check, median per photo', `${f.faceCheck.medianMs.toFixed(0)} ms`, '≤ 400 ms', f.faceCheck.medianMs / 400);
    process.stdout.write(`  duplicate search at ${f.duplicateSearch.people}: median ${f.duplicateSearch.medianMs.toFixed(2)} ms, p99 ${f.duplicateSearch.p99Ms.toFixed(2)} ms\n`);
  }
  if (only === undefined || only === 'terminal-sync') {
    process.stdout.write('bench/terminal-sync\n');
    const f = await benchTerminalSync({
      users: Number(process.env.BENCH_TERMINAL_USERS ?? 5_000),
      latencyMs: Number(process.env.BENCH_TERMINAL_LATENCY_MS ?? 20),
      batchSize: Number(process.env.BENCH_TERMINAL_BATCH ?? 100),
      log,
    });
    results.terminalSync = f;
    process.stdout.write(
      `  ${'wall ÷ (calls × latency), full sync'.padEnd(52)} ${f.ratio.toFixed(3).padStart(12)}   target ≤ 1.10     ratio ${(f.ratio / 1.1).toFixed(3)} ${f.ratio <= 1.1 ? 'ok' : 'MISSED'}\n`,
    );
  }
  if (only === undefined || only === 'devices') {
    process.stdout.write('bench/devices\n');
    const f = await benchDevices({
      users: Number(process.env.BENCH_DEVICE_USERS ?? 10_000),
      latencyMs: Number(process.env.BENCH_DEVICE_LATENCY_MS ?? 0),
      hashDevices: Number(process.env.BENCH_HASH_DEVICES ?? 200),
      events: Number(process.env.BENCH_EVENTS ?? 100_000),
      sizes: (process.env.BENCH_DEVICE_SIZES ?? '100,10,1').split(',').filter((x) => x.trim() !== '').map(Number),
      log,
    });
    results.devices = f;
    const row = (name: string, value: string, target: string, ratio: number) =>
      process.stdout.write(`  ${name.padEnd(52)} ${value.padStart(12)}   target ${target.padEnd(10)} ratio ${ratio.toFixed(3)} ${ratio <= 1 ? 'ok' : 'MISSED'}\n`);
    for (const r of f.resync) row(`resync ${r.users} users, size ${r.size}: wall ÷ (batches × rtt)`, r.ratio.toFixed(3), '≤ 1.15', r.ratio / 1.15);
    row(`access-event ingestion (${f.ingestion.events} events)`, `${f.ingestion.perSec.toFixed(0)}/s`, '≥ 5000/s', 5000 / f.ingestion.perSec);
    row(`XOR-hash expectation, ${f.hash.devices} devices × ${f.hash.users} users`, `${f.hash.wallMs.toFixed(0)} ms`, '< 2000 ms', f.hash.wallMs / 2000);
  }
  if (only === undefined || only === 'device-auth') {
    process.stdout.write('bench/device-auth\n');
    const f = await benchDeviceAuth({ logins: Number(process.env.BENCH_AUTH_LOGINS ?? 60), log });
    results.deviceAuth = f;
    // Symmetric: an unknown id answering faster or slower than a registered one both tell it apart.
    const spread = Math.max(f.ratio, 1 / f.ratio);
    process.stdout.write(
      `  ${'login time, unknown id ÷ registered id (wrong secret)'.padEnd(52)} ${f.ratio.toFixed(3).padStart(12)}   target 0.9–1.1    ratio ${(spread / 1.1).toFixed(3)} ${spread <= 1.1 ? 'ok' : 'MISSED'}\n`,
    );
    process.stdout.write(`  (the same without the dummy hash, as before: ${f.ratioWithoutDummy.toFixed(3)})\n`);
  }
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', `bench-${Date.now()}.json`), JSON.stringify(results, null, 2));
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
