import { DEMO_FACES_CAREER } from './demo-data';
import type { AdminToken } from './admin-token';

export interface RunningStack {
  apiUrl: string;
  temporalUiUrl: string | null;
  temporalAddress: string;
  namespace: string;
  hikCentralUrl: string;
  hikCentralSimulated: boolean;
  terminals: string[];
  devicesUrl: string;
  devices: string[] | null;
  token: AdminToken;
  importRoot: string;
}

/**
 * What `npm start` prints once everything runs. The admin token is shown only when gatesync made it: one the
 * user supplied (GATESYNC_API_TOKEN) stays out of terminals, scrollback and CI logs, and the curl hint names
 * the variable instead.
 */
export function startBanner(s: RunningStack): string {
  const token = s.token.source === 'supplied' ? null : s.token.value;
  return [
    '',
    'gatesync is running',
    `  API            ${s.apiUrl}   (OpenAPI: ${s.apiUrl}/api/openapi.json)`,
    `  Temporal UI    ${s.temporalUiUrl ?? '(external Temporal; set TEMPORAL_UI_URL to print it)'}`,
    `  Temporal       ${s.temporalAddress}  namespace ${s.namespace}`,
    `  HikCentral     ${s.hikCentralUrl}${s.hikCentralSimulated ? '  (simulator)' : ''}`,
    `  Terminals      ${s.terminals.join(', ')}  (ISAPI simulators)`,
    `  Cloud devices  ${s.devicesUrl}  (${s.devices?.join(', ') ?? 'no simulators'})`,
    `  Admin token    ${token ?? '(yours, from GATESYNC_API_TOKEN)'}`,
    `  Photo imports  ${s.importRoot}`,
    '',
    `  try: curl -H "Authorization: Bearer ${token ?? '$GATESYNC_API_TOKEN'}" -X POST "${s.apiUrl}/api/syncs/careers/${encodeURIComponent(DEMO_FACES_CAREER)}"`,
    `       (the demo career with faces: passing photos go to HikCentral, failing ones are counted as photoRejected)`,
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}
