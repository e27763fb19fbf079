import { SIMULATOR_PHOTO_REJECTED_CODE } from '../protocol/error-codes';
import { HCP_TIME_PATTERN } from '../protocol/hcp-time';
import { checkFace } from './face-check';
import type { SimulatorState } from './state';
import type { HcpEnvelope, HcpPage, PersonInfo } from '../protocol/types';
import { ownValue } from '../../../own-key';

/** The HCP API the simulator speaks: paths after `/artemis/api` (reference §1.5), answers per §1.4/§1.7. */

export type SimAnswer =
  { kind: 'envelope'; envelope: HcpEnvelope } | { kind: 'raw'; status: number; contentType: string; body: string };

type Body = Record<string, unknown>;
type Route = (body: Body, state: SimulatorState) => Promise<SimAnswer> | SimAnswer;

export const SIM_CODES = {
  badParameter: '2',
  /** Unsupported API / module; HCP also reports it for wrong paths (§1.7, §1.8). */
  unsupported: '8',
  notFound: '128',
  alreadyExists: '131',
  /**
   * Unknown orgIndexCode on add/update: the guide's "resource missing" (§1.7). Not 128, so a client cannot
   * mistake a configuration error (wrong org) for "this person does not exist".
   */
  orgMissing: '0x00072203',
  photoRejected: SIMULATOR_PHOTO_REJECTED_CODE,
} as const;

const ok = (data?: unknown): SimAnswer => ({
  kind: 'envelope',
  envelope: data === undefined ? { code: '0', msg: 'Success' } : { code: '0', msg: 'Success', data },
});
const fail = (code: string, msg: string): SimAnswer => ({ kind: 'envelope', envelope: { code, msg } });
const badParameter = (what: string) => fail(SIM_CODES.badParameter, `bad parameter: ${what}`);
const notFound = (what = 'resource does not exist') => fail(SIM_CODES.notFound, what);

class BadParameter extends Error {}

function requiredString(body: Body, name: string, maxLength: number): string {
  const value = body[name];
  if (typeof value !== 'string' || value.trim() === '') throw new BadParameter(`${name} is required`);
  if (value.length > maxLength) throw new BadParameter(`${name} is longer than ${maxLength}`);
  return value;
}

function optionalString(body: Body, name: string, maxLength: number): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new BadParameter(`${name} must be a string`);
  if (value.length > maxLength) throw new BadParameter(`${name} is longer than ${maxLength}`);
  return value;
}

function optionalTime(body: Body, name: string): string | undefined {
  const value = optionalString(body, name, 64);
  // ISO 8601 with offset (§1.6); a bare `Z` or no offset is what trips clients up.
  if (value !== undefined && !HCP_TIME_PATTERN.test(value)) {
    throw new BadParameter(`${name} must be ISO 8601 with offset, e.g. 2020-05-26T15:00:00+08:00`);
  }
  return value;
}

function optionalGender(body: Body): 0 | 1 | 2 | undefined {
  const value = body.gender;
  if (value === undefined || value === null) return undefined;
  if (value !== 0 && value !== 1 && value !== 2) throw new BadParameter('gender must be 0, 1 or 2');
  return value;
}

function pageParams(body: Body): { pageNo: number; pageSize: number } {
  const { pageNo, pageSize } = body;
  if (typeof pageNo !== 'number' || !Number.isInteger(pageNo) || pageNo < 1) {
    throw new BadParameter('pageNo must be an integer >= 1');
  }
  // The guide caps orgList at 500; clients use 500 everywhere (§1.4).
  if (typeof pageSize !== 'number' || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > 500) {
    throw new BadParameter('pageSize must be an integer within 1..500');
  }
  return { pageNo, pageSize };
}

function page<T>(items: T[], { pageNo, pageSize }: { pageNo: number; pageSize: number }): HcpPage<T> {
  const list = items.slice((pageNo - 1) * pageSize, pageNo * pageSize);
  // HCP omits `list` when total is 0 (§1.4 [obs]); clients must cope.
  return items.length === 0 ? { total: 0, pageNo, pageSize } : { total: items.length, pageNo, pageSize, list };
}

const addPerson: Route = async (body, state) => {
  const personCode = requiredString(body, 'personCode', 16);
  const personGivenName = requiredString(body, 'personGivenName', 256);
  const personFamilyName = requiredString(body, 'personFamilyName', 256);
  const orgIndexCode = requiredString(body, 'orgIndexCode', 64);
  const beginTime = optionalTime(body, 'beginTime');
  const endTime = optionalTime(body, 'endTime');
  const remark = optionalString(body, 'remark', 128);
  const gender = optionalGender(body);
  const faces = body.faces;
  if (faces !== undefined && !Array.isArray(faces)) throw new BadParameter('faces must be an array');

  if (!state.orgs.has(orgIndexCode)) return fail(SIM_CODES.orgMissing, `organization ${orgIndexCode} does not exist`);
  if (state.byCode(personCode) !== undefined) return fail(SIM_CODES.alreadyExists, 'resource already exists');

  let face;
  const first: unknown = faces?.[0];
  if (first !== undefined) {
    face = await checkFace((first as { faceData?: unknown }).faceData);
    if (!face.ok) return fail(SIM_CODES.photoRejected, face.reason);
    if (state.refusedFaces.has(personCode)) return fail(SIM_CODES.photoRejected, 'face picture: no face could be modelled');
  }
  const info = state.add(
    {
      personCode,
      personName: `${personGivenName} ${personFamilyName}`,
      personGivenName,
      personFamilyName,
      orgIndexCode,
      gender: gender ?? 0,
      remark: remark ?? '',
      ...(beginTime !== undefined && { beginTime }),
      ...(endTime !== undefined && { endTime }),
    },
    face,
  );
  state.countPerson(personCode, 'add');
  return ok(info.personId);
};

const updatePerson: Route = (body, state) => {
  const personId = requiredString(body, 'personId', 64);
  const stored = state.byId(personId);
  if (stored === undefined) return notFound();
  const personCode = optionalString(body, 'personCode', 16);
  if (personCode !== undefined && personCode !== stored.info.personCode) {
    throw new BadParameter('personCode cannot be changed'); // §1.6
  }
  const orgIndexCode = optionalString(body, 'orgIndexCode', 64);
  if (orgIndexCode !== undefined && !state.orgs.has(orgIndexCode)) {
    return fail(SIM_CODES.orgMissing, `organization ${orgIndexCode} does not exist`);
  }
  const change: Partial<PersonInfo> = {};
  const givenName = optionalString(body, 'personGivenName', 256);
  const familyName = optionalString(body, 'personFamilyName', 256);
  const beginTime = optionalTime(body, 'beginTime');
  const endTime = optionalTime(body, 'endTime');
  const remark = optionalString(body, 'remark', 256);
  const gender = optionalGender(body);
  if (givenName !== undefined) change.personGivenName = givenName;
  if (familyName !== undefined) change.personFamilyName = familyName;
  if (orgIndexCode !== undefined) change.orgIndexCode = orgIndexCode;
  if (beginTime !== undefined) change.beginTime = beginTime;
  if (endTime !== undefined) change.endTime = endTime;
  if (remark !== undefined) change.remark = remark;
  if (gender !== undefined) change.gender = gender;
  // `faces` is ignored: single/update cannot change the photo (seed 001).
  state.update(personId, change);
  state.countPerson(stored.info.personCode, 'update');
  return ok('');
};

const updateFace: Route = async (body, state) => {
  const personId = requiredString(body, 'personId', 64);
  const stored = state.byId(personId);
  if (stored === undefined) return notFound();
  const face = await checkFace(body.faceData);
  if (!face.ok) return fail(SIM_CODES.photoRejected, face.reason);
  if (state.refusedFaces.has(stored.info.personCode)) return fail(SIM_CODES.photoRejected, 'face picture: no face could be modelled');
  state.setFace(personId, face);
  state.countPerson(stored.info.personCode, 'faceUpdate');
  return ok('');
};

const deletePerson: Route = (body, state) => {
  const personId = requiredString(body, 'personId', 64);
  const stored = state.byId(personId);
  if (stored === undefined) return notFound();
  state.delete(personId);
  state.countPerson(stored.info.personCode, 'delete');
  return ok('');
};

const personByCode: Route = (body, state) => {
  const personCode = requiredString(body, 'personCode', 16);
  state.countPerson(personCode, 'lookup');
  const stored = state.byCode(personCode);
  return stored === undefined ? notFound() : ok(stored.info);
};

const personById: Route = (body, state) => {
  const personId = requiredString(body, 'personId', 64);
  const stored = state.byId(personId);
  if (stored === undefined) return notFound();
  state.countPerson(stored.info.personCode, 'lookup');
  return ok(stored.info);
};

/** No envelope on success: a data-URI as text, which is what most clients parse (§1.5, §4 q5). */
const pictureData: Route = (body, state) => {
  const personId = requiredString(body, 'personId', 64);
  const picUri = requiredString(body, 'picUri', 256);
  const stored = state.byId(personId);
  if (stored === undefined) return notFound();
  if (stored.face === undefined || stored.info.personPhoto?.picUri !== picUri)
    return notFound('picture does not exist');
  return {
    kind: 'raw',
    status: 200,
    contentType: 'text/plain;charset=UTF-8',
    body: `data:image/jpeg;base64,${stored.face.jpegBase64}`,
  };
};

const orgList: Route = (body, state) => {
  const paging = pageParams(body);
  const name = optionalString(body, 'orgName', 64);
  const orgs = [...state.orgs.values()].filter((o) => name === undefined || o.orgName.includes(name));
  return ok(page(orgs, paging));
};

const orgInfo: Route = (body, state) => {
  const org = state.orgs.get(requiredString(body, 'orgIndexCode', 64));
  return org === undefined ? notFound() : ok(org);
};

const rootOrg: Route = (_body, state) => {
  const root = [...state.orgs.values()].find((o) => o.parentOrgIndexCode === '0');
  return root === undefined ? notFound() : ok(root);
};

const privilegeGroups: Route = (body, state) => {
  const paging = pageParams(body);
  const type = body.type ?? 1;
  const groups = [...state.privilegeGroups.values()]
    .filter((g) => (g.type ?? 1) === type)
    .map(({ type: _type, ...group }) => group);
  return ok(page(groups, paging));
};

const addPrivilegeMembers: Route = (body, state) => {
  const groupId = requiredString(body, 'privilegeGroupId', 64);
  const list = body.list;
  if (!Array.isArray(list) || list.length === 0) throw new BadParameter('list must be a non-empty array of {id}');
  const ids = list.map((item: unknown) => (item as { id?: unknown }).id);
  if (!ids.every((id): id is string => typeof id === 'string' && id !== '')) {
    throw new BadParameter('list[].id must be a personId string');
  }
  if (!state.privilegeGroups.has(groupId)) return notFound(`privilege group ${groupId} does not exist`);
  const missing = ids.find((id) => state.byId(id) === undefined);
  if (missing !== undefined) return notFound(`person ${missing} does not exist`);
  state.addMembers(groupId, ids);
  return ok();
};

const reapplication: Route = (body, state) => {
  state.applyRequests.push(body);
  return ok();
};

const version: Route = () => ok({ produceName: 'HikCentral Professional', softVersion: 'V2.1.0.0' });

export const ROUTES: Record<string, Route> = {
  '/common/v1/version': version,
  '/resource/v1/org/orgList': orgList,
  '/resource/v1/org/advance/orgList': orgList,
  '/resource/v1/org/orgIndexCode/orgInfo': orgInfo,
  '/resource/v1/org/rootOrg': rootOrg,
  '/resource/v1/person/single/add': addPerson,
  '/resource/v1/person/single/update': updatePerson,
  '/resource/v1/person/single/delete': deletePerson,
  '/resource/v1/person/face/update': updateFace,
  '/resource/v1/person/personCode/personInfo': personByCode,
  '/resource/v1/person/personId/personInfo': personById,
  '/resource/v1/person/picture_data': pictureData,
  '/acs/v1/privilege/group': privilegeGroups,
  '/acs/v1/privilege/group/single/addPersons': addPrivilegeMembers,
  '/visitor/v1/auth/reapplication': reapplication,
};

/** Runs the route for `apiPath`; bad input becomes code "2" like HCP's translation service (§1.7). */
export async function answerApi(apiPath: string, body: unknown, state: SimulatorState): Promise<SimAnswer> {
  const route = ownValue(ROUTES, apiPath);
  if (route === undefined) return fail(SIM_CODES.unsupported, 'product version not supported');
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return badParameter('body must be a JSON object');
  try {
    return await route(body as Body, state);
  } catch (err) {
    if (err instanceof BadParameter) return badParameter(err.message);
    throw err;
  }
}
