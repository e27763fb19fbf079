import type { ApiDeps } from './deps';
import type { TemporalContext } from '../temporal-client/temporal-context';

/** The typed Temporal client's context, from the API's deps: every route reaches Temporal through it. */
export const temporalOf = (deps: ApiDeps): TemporalContext => ({ client: deps.temporal, queues: deps.queues });
