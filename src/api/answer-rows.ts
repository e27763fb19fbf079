// Raw rows are read in the repositories only; the API keeps this name for the routes not yet moved.
export { answerRows, isoTimestamp } from '../db/answer-rows';
