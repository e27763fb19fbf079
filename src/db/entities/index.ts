export { BaseEntity } from './base.entity';
export { Career } from './career.entity';
export { Person, PERSON_KINDS, type PersonKind } from './person.entity';
export { Photo } from './photo.entity';
export { PhotoUpload } from './photo-upload.entity';
export { HikCentralPersonState, SYNC_OUTCOMES, type SyncOutcomeKind } from './hikcentral-person-state.entity';
export { SyncRun, type SyncRunCounters } from './sync-run.entity';
export { SyncOutcome } from './sync-outcome.entity';
export { PhotoRendition } from './photo-rendition.entity';
export { PhotoImport, PhotoImportItem, PHOTO_IMPORT_OUTCOMES, type PhotoImportOutcome } from './photo-import.entity';
export { Terminal, TERMINAL_SCHEMES, type TerminalScheme, type TerminalCapabilities } from './terminal.entity';
export {
  TerminalAssignment,
  TerminalPersonState,
  TerminalCapture,
  TerminalSyncOp,
  TERMINAL_FACE_METHODS,
  TERMINAL_CAPTURE_STATES,
  type TerminalFaceMethod,
  type TerminalCaptureState,
} from './terminal-person.entity';
export { Device, DeviceAssignment, type DeviceConfigParam, type DevicePropertyValue } from './device.entity';
export { DeviceSyncOp, DeviceUser, DeviceResync, DeviceCheck, CHECK_OUTCOMES, RESYNC_STATES, type CheckOutcome, type ResyncState } from './device-sync.entity';
export { DevicePresence, AccessEvent, DeviceCapture, DeviceFeatureError } from './device-event.entity';
export { DeviceAlert, DEVICE_ALERT_KINDS, type DeviceAlertKind } from './device-alert.entity';

import { BaseEntity } from './base.entity';
import { Career } from './career.entity';
import { Person } from './person.entity';
import { Photo } from './photo.entity';
import { PhotoUpload } from './photo-upload.entity';
import { HikCentralPersonState } from './hikcentral-person-state.entity';
import { SyncRun } from './sync-run.entity';
import { SyncOutcome } from './sync-outcome.entity';
import { PhotoRendition } from './photo-rendition.entity';
import { PhotoImport, PhotoImportItem } from './photo-import.entity';
import { Terminal } from './terminal.entity';
import { TerminalAssignment, TerminalCapture, TerminalPersonState, TerminalSyncOp } from './terminal-person.entity';
import { Device, DeviceAssignment } from './device.entity';
import { DeviceCheck, DeviceResync, DeviceSyncOp, DeviceUser } from './device-sync.entity';
import { AccessEvent, DeviceAuditRecord, DeviceCapture, DeviceFeatureError, DeviceMessageRecord, DevicePresence, DeviceRecord } from './device-event.entity';
import { DeviceAlert } from './device-alert.entity';

export const ALL_ENTITIES = [BaseEntity, Career, Person, Photo, PhotoUpload, HikCentralPersonState, SyncRun, SyncOutcome, PhotoRendition, PhotoImport, PhotoImportItem,
  Terminal, TerminalAssignment, TerminalPersonState, TerminalCapture, TerminalSyncOp,
  Device, DeviceAssignment, DeviceSyncOp, DeviceUser, DeviceResync, DeviceCheck, DeviceRecord, DeviceMessageRecord, DeviceAuditRecord, DevicePresence, AccessEvent, DeviceCapture, DeviceFeatureError, DeviceAlert,
];
