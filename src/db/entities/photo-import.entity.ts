import { Entity, Enum, Index, ManyToOne, Property, Unique, type Ref } from '@mikro-orm/core';
import { BaseEntity } from './base.entity';

export const PHOTO_IMPORT_OUTCOMES = ['imported', 'unchanged', 'unknownCi', 'failedCheck', 'unreadable', 'skipped'] as const;
export type PhotoImportOutcome = (typeof PHOTO_IMPORT_OUTCOMES)[number];

/** A photo dump being imported: a folder or an uploaded zip of `<ci>.jpg|png` files. */
@Entity({ tableName: 'photo_import' })
export class PhotoImport extends BaseEntity {
  @Property({ type: 'string', length: 200 })
  @Unique()
  workflowId: string;

  @Property({ type: 'string', length: 10 })
  sourceKind: 'folder' | 'zip';

  /** Where the files are on the server; never the bytes. */
  @Property({ type: 'text' })
  sourcePath: string;

  @Property({ type: 'string', length: 20 })
  state: string = 'running';

  @Property({ type: 'integer' })
  total: number = 0;

  @Property({ type: 'integer' })
  processed: number = 0;

  @Property({ type: 'json' })
  counts: Record<PhotoImportOutcome, number> = { imported: 0, unchanged: 0, unknownCi: 0, failedCheck: 0, unreadable: 0, skipped: 0 };

  @Property({ type: 'datetime', nullable: true })
  finishedAt?: Date | null;

  /** Why the import failed as a whole (a corrupt archive, a folder that went missing); null otherwise. */
  @Property({ type: 'text', nullable: true })
  failureReason?: string | null;

  constructor(fields: { workflowId: string; sourceKind: 'folder' | 'zip'; sourcePath: string }) {
    super();
    this.workflowId = fields.workflowId;
    this.sourceKind = fields.sourceKind;
    this.sourcePath = fields.sourcePath;
  }
}

/** One file's outcome; the failures make the downloadable CSV report. */
@Entity({ tableName: 'photo_import_item' })
@Unique({ properties: ['photoImport', 'fileName'] })
@Index({ properties: ['photoImport', 'outcome'] })
export class PhotoImportItem extends BaseEntity {
  @ManyToOne(() => PhotoImport, { ref: true, deleteRule: 'cascade' })
  photoImport: Ref<PhotoImport>;

  @Property({ type: 'text' })
  fileName: string;

  @Property({ type: 'string', length: 16, nullable: true })
  ci?: string | null;

  @Enum({ items: () => PHOTO_IMPORT_OUTCOMES, type: 'string' })
  outcome: PhotoImportOutcome;

  @Property({ type: 'text', nullable: true })
  reason?: string | null;

  constructor(fields: { photoImport: Ref<PhotoImport>; fileName: string; ci?: string | null; outcome: PhotoImportOutcome; reason?: string | null }) {
    super();
    this.photoImport = fields.photoImport;
    this.fileName = fields.fileName;
    this.ci = fields.ci ?? null;
    this.outcome = fields.outcome;
    this.reason = fields.reason ?? null;
  }
}
