import { join } from 'node:path';
import { loadConfig } from '../../../config';
import { DEFAULT_SIM_ORGS, startHikCentralSimulator } from './simulator';
import { runCli, stopOnSignals } from '../../../cli-main';

/**
 * `npm run sim:hikcentral`: the simulator as its own process, steerable over `/__sim/*`. Port and credentials
 * come from config (HIKCENTRAL_SIM_PORT, HIKCENTRAL_APP_KEY/SECRET with their dev defaults).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  // TODO(config owner): HIKCENTRAL_SIM_STATE_FILE belongs in src/config.ts (STYLE 11); read here until it is.
  const stateFile = process.env.HIKCENTRAL_SIM_STATE_FILE?.trim() || join(config.dataDir, 'hikcentral-sim.json');
  const sim = await startHikCentralSimulator({
    port: config.hikcentral.simPort,
    appKey: config.hikcentral.appKey,
    appSecret: config.hikcentral.appSecret,
    stateFile,
    orgs: DEFAULT_SIM_ORGS,
  });
  process.stdout.write(
    `HikCentral simulator listening on ${sim.url} (AppKey ${config.hikcentral.appKey}, state ${stateFile})\n`,
  );

  stopOnSignals('HikCentral simulator', () => sim.close());
}

runCli(main);
