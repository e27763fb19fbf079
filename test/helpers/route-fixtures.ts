/** The records a test made, by what the route table's path parameters call them. */
export interface RouteFixtures {
  ci?: string;
  userId?: string;
  career?: string;
  workflowId?: string;
  deviceId?: string;
  terminalId?: string;
  importId?: string;
  captureId?: string;
  terminalCaptureId?: string;
}

/**
 * The value of path parameter `name` of route `path` that names an existing record, so a request gets past
 * "not found" to the route's own work. `id` means a different record under each prefix; seed 002's `device_id`
 * is a terminal.
 */
export function paramFixture(fx: RouteFixtures, path: string, name: string): string | undefined {
  const byName: Array<[string, string | undefined]> = [
    ['ci', fx.ci],
    ['user_id', fx.userId],
    ['career', fx.career],
    ['workflowId', fx.workflowId],
    ['device_id', fx.terminalId],
  ];
  const byPrefix: Array<[string, string | undefined]> = [
    ['/api/devices/', fx.deviceId],
    ['/api/terminals/', fx.terminalId],
    ['/api/photo-imports/', fx.importId],
    ['/api/events/captures/', fx.captureId],
    ['/api/terminal-captures/', fx.terminalCaptureId],
  ];
  if (name !== 'id') return byName.find(([n]) => n === name)?.[1];
  return byPrefix.find(([prefix]) => path.startsWith(prefix))?.[1];
}
