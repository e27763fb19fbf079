import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { SimulatedDevice, type SimulatedDeviceOptions } from '../src/targets/devices/simulator/simulator';

/**
 * A simulated device on its own thread, so its work does not share the event loop with the worker, the gateway
 * and the broker it is measured against (a real device is a separate machine). The bench talks to it by message.
 */
type Request = { op: 'state' } | { op: 'mark' } | { op: 'stop' };
export interface DeviceThreadState {
  users: number;
  hash: string;
  /** When the first user_sync after the last `mark` arrived (Date.now()), or null. */
  firstSyncAfterMarkAt: number | null;
}

export class DeviceThread {
  private readonly worker: Worker;
  private next: Array<(v: unknown) => void> = [];

  private constructor(worker: Worker) {
    this.worker = worker;
    worker.on('message', (m: unknown) => this.next.shift()?.(m));
  }

  static async start(opts: SimulatedDeviceOptions): Promise<DeviceThread> {
    // The thread loads this TypeScript file through tsx's CommonJS hook (a worker does not inherit `--import tsx`).
    const boot = `require('tsx/cjs'); require(${JSON.stringify(__filename)});`;
    const worker = new Worker(boot, { eval: true, workerData: opts });
    const t = new DeviceThread(worker);
    await new Promise<void>((resolve, reject) => {
      t.next.push(() => resolve());
      worker.once('error', reject);
    });
    // A thread that dies later fails whatever is waiting on it instead of leaving the benchmark hanging.
    const fail = (why: unknown) => {
      for (const waiting of t.next.splice(0)) waiting(Promise.reject(why instanceof Error ? why : new Error(`device thread exited (${String(why)})`)));
    };
    worker.on('error', fail);
    worker.on('exit', fail);
    return t;
  }

  private ask<T>(req: Request): Promise<T> {
    return new Promise((resolve) => {
      this.next.push(resolve as (v: unknown) => void);
      this.worker.postMessage(req);
    });
  }

  state(): Promise<DeviceThreadState> {
    return this.ask({ op: 'state' });
  }

  mark(): Promise<void> {
    return this.ask({ op: 'mark' });
  }

  async stop(): Promise<void> {
    await this.ask({ op: 'stop' });
    await this.worker.terminate();
  }
}

if (!isMainThread && parentPort !== null) {
  const port = parentPort;
  const d = new SimulatedDevice(workerData as SimulatedDeviceOptions);
  let markedAt = 0;
  let firstAt: number | null = null;
  // The counter, not the log: the simulator caps its log, not its counters.
  const received = () => d.counters.received.user_sync ?? 0;
  const watch = setInterval(() => {
    if (firstAt === null && received() > markedAt) firstAt = Date.now();
  }, 1);
  port.on('message', (req: Request) => {
    if (req.op === 'state') port.postMessage({ users: d.users().length, hash: d.hash(), firstSyncAfterMarkAt: firstAt } satisfies DeviceThreadState);
    else if (req.op === 'mark') {
      markedAt = received();
      firstAt = null;
      port.postMessage(null);
    } else {
      clearInterval(watch);
      void d.stop().then(() => port.postMessage(null));
    }
  });
  void d.start().then(() => port.postMessage(null));
}
