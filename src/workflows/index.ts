export { syncPerson } from './sync-person.workflow';
export { bulkCareerSync } from './bulk-career-sync.workflow';
export { bulkPhotoImport } from './bulk-photo-import.workflow';
