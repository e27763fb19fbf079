import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261127052610 } from './migrations/Migration20261127052610';
import { Migration20261127062643 } from './migrations/Migration20261127062643';
import { Migration20261127063636 } from './migrations/Migration20261127063636';
import { Migration20261127065321 } from './migrations/Migration20261127065321';
import { Migration20261127080000 } from './migrations/Migration20261127080000';
import { Migration20261127081000 } from './migrations/Migration20261127081000';
import { Migration20261127090000 } from './migrations/Migration20261127090000';
import { Migration20261127100000 } from './migrations/Migration20261127100000';
import { Migration20261127120000 } from './migrations/Migration20261127120000';
import { Migration20261127130000 } from './migrations/Migration20261127130000';
import { Migration20261202060000b } from './migrations/Migration20261202060000b';
import { Migration20261202060100c } from './migrations/Migration20261202060100c';
import { Migration20261202060200c } from './migrations/Migration20261202060200c';
import { Migration20261202060000d } from './migrations/Migration20261202060000d';
import { Migration20261202180000 } from './migrations/Migration20261202180000';

/**
 * Committed migrations, imported rather than discovered on disk, so they run the same under tsx,
 * vitest, a compiled dist and a container. `npm run db:migration:create` writes new files; add them here.
 */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261127052610', class: Migration20261127052610 },
  { name: 'Migration20261127062643', class: Migration20261127062643 },
  { name: 'Migration20261127063636', class: Migration20261127063636 },
  { name: 'Migration20261127065321', class: Migration20261127065321 },
  { name: 'Migration20261127080000', class: Migration20261127080000 },
  { name: 'Migration20261127081000', class: Migration20261127081000 },
  { name: 'Migration20261127090000', class: Migration20261127090000 },
  { name: 'Migration20261127100000', class: Migration20261127100000 },
  { name: 'Migration20261127120000', class: Migration20261127120000 },
  { name: 'Migration20261127130000', class: Migration20261127130000 },
  { name: 'Migration20261202060000b', class: Migration20261202060000b },
  { name: 'Migration20261202060100c', class: Migration20261202060100c },
  { name: 'Migration20261202060200c', class: Migration20261202060200c },
  { name: 'Migration20261202060000d', class: Migration20261202060000d },
  { name: 'Migration20261202180000', class: Migration20261202180000 },
];
