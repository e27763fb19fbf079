import { SimulatedDevice, type SimulatedDeviceOptions } from './simulator';

export interface DeviceFleetOptions extends Omit<SimulatedDeviceOptions, 'deviceId' | 'secret'> {
  /** Device ids to run, each with its secret (never logged). */
  devices: { deviceId: string; secret: string }[];
  /** Devices connecting at once (a thousand simultaneous CONNECTs is a test of its own). */
  connectConcurrency?: number;
}

export interface DeviceFleet {
  devices: SimulatedDevice[];
  get(deviceId: string): SimulatedDevice | undefined;
  stop(): Promise<void>;
}

/** Starts many simulated devices against one broker. */
export async function startDeviceFleet(opts: DeviceFleetOptions): Promise<DeviceFleet> {
  const { devices: list, connectConcurrency = 50, ...common } = opts;
  const devices = list.map((d) => new SimulatedDevice({ ...common, deviceId: d.deviceId, secret: d.secret }));
  const byId = new Map(devices.map((d) => [d.deviceId, d]));
  const stop = async () => {
    await Promise.allSettled(devices.map((d) => d.stop()));
  };
  try {
    for (let i = 0; i < devices.length; i += connectConcurrency) {
      await Promise.all(devices.slice(i, i + connectConcurrency).map((d) => d.start()));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { devices, get: (id) => byId.get(id), stop };
}
