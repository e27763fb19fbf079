/**
 * The device gateway's import path for waking a device's entity workflow; the device family's typed client is
 * devices.ts, and this names the same functions so the gateway keeps working unchanged.
 */
export { signalDeviceSync, type DeviceSyncDefaults, type DeviceSyncStarter } from './devices';
