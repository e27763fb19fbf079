import type { DeviceCommandInput, DeviceCommandResult } from '../../contracts';
import { deviceCommand as commandCall } from '../activity-profiles';

/**
 * One configuration command to a device for an admin waiting on the API: opening hours (§10, the
 * full set), properties (§14) or a re-upload of access records (§8). The answer is stored by the activity.
 */
export async function deviceCommand(input: DeviceCommandInput): Promise<DeviceCommandResult> {
  return commandCall.sendDeviceCommand(input);
}
