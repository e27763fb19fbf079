/** Wire types of the HikCentral Professional OpenAPI (reference hikvision.md §1.4–§1.6). */

/** Every JSON answer; `code` is a string and "0" means success; business errors still come with HTTP 200 (§1.4). */
export interface HcpEnvelope<T = unknown> {
  code: string;
  msg: string;
  data?: T;
}

/** List answers; `list` is omitted by HCP when `total` is 0 (§1.4 [obs]). */
export interface HcpPage<T> {
  total: number;
  pageNo: number;
  pageSize: number;
  list?: T[];
}

export type HcpGender = 0 | 1 | 2;

export interface PersonPhoto {
  /** Empty strings when the person has no photo (§1.6). */
  picUri: string;
  picBigUri?: string;
}

export interface CustomFieldValue {
  id: string;
  /** Sic: HCP spells it "Filed" (§1.6). */
  customFiledName?: string;
  customFieldType?: 0 | 1 | 2 | 3;
  customFieldValue?: string;
}

/** PersonInfo, HCP guide §A.1.62 (§1.6). */
export interface PersonInfo {
  /** Platform-generated, a numeric string in practice; not the personCode. */
  personId: string;
  /** The institution's own id (≤16 chars), unique, immutable once set. */
  personCode: string;
  /** Read-only display name "Given Family". */
  personName?: string;
  personGivenName: string;
  personFamilyName: string;
  gender?: HcpGender;
  orgIndexCode: string;
  phoneNo?: string;
  email?: string;
  remark?: string;
  cards?: Array<{ cardNo: string }>;
  personPhoto?: PersonPhoto;
  /** ISO 8601 with offset, e.g. `2020-05-26T15:00:00+08:00`. */
  beginTime?: string;
  endTime?: string;
  customFieldList?: CustomFieldValue[];
}

export interface OrgInfo {
  orgIndexCode: string;
  orgName: string;
  /** "0" for the root org (§1.6). */
  parentOrgIndexCode: string;
}

export interface VersionInfo {
  produceName: string;
  softVersion: string;
}

export interface PrivilegeGroup {
  privilegeGroupId: string;
  privilegeGroupName: string;
  description?: string;
  timeSchedule?: { indexCode: string; name: string };
}

/** 1 access control, 2 visitor (§1.5). */
export type PrivilegeGroupType = 1 | 2;

/** A time as HCP wants it (string), or a Date the client formats with `toHcpTime`. */
export type HcpTimeInput = string | Date;

/** Body of `person/single/add` (§1.5, seed 001 sample). */
export interface PersonAddRequest {
  personCode: string;
  personGivenName: string;
  personFamilyName: string;
  orgIndexCode: string;
  beginTime: string;
  endTime: string;
  remark?: string;
  gender?: HcpGender;
  faces?: Array<{ faceData: string }>;
}

/** Body of `person/single/update`: personId plus the fields to change; never the photo (seed 001). */
export interface PersonUpdateRequest {
  personId: string;
  personGivenName?: string;
  personFamilyName?: string;
  orgIndexCode?: string;
  beginTime?: string;
  endTime?: string;
  remark?: string;
}
