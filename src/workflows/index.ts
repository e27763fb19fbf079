export { syncPerson } from './sync-person.workflow';
export { bulkCareerSync } from './bulk-career-sync.workflow';
export { bulkPhotoImport } from './bulk-photo-import.workflow';
export { enrollOnTerminal } from './enroll-on-terminal.workflow';
export { captureTerminalFace } from './capture-terminal-face.workflow';
export { syncTerminal } from './sync-terminal.workflow';
export { readTerminalCapabilities } from './read-terminal-capabilities.workflow';
