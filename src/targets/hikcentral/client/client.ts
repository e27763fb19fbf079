import { Agent, request } from 'undici';
import { signRequest } from '../protocol/artemis-signer';
import { HikCentralError, classifyHikCentralAnswer, classifyTransportError } from './errors';
import { toHcpTime } from '../protocol/hcp-time';
import type {
  HcpEnvelope,
  HcpGender,
  HcpPage,
  HcpTimeInput,
  OrgInfo,
  PersonAddRequest,
  PersonInfo,
  PersonUpdateRequest,
  PrivilegeGroup,
  PrivilegeGroupType,
  VersionInfo,
} from '../protocol/types';

export { toHcpTime } from '../protocol/hcp-time';

export interface HikCentralClientOptions {
  /** e.g. `https://hcp.example:443`; `/artemis/api/...` is appended (§1.1). */
  baseUrl: string;
  appKey: string;
  appSecret: string;
  /** Whole-call budget; default 10 000. */
  timeoutMs?: number;
  /** PEM of the CA (or the self-signed certificate) HCP presents (§1.1). */
  ca?: string | Buffer;
  /** Skip certificate verification, as every public client does against HCP's self-signed cert (§1.1). */
  insecureTls?: boolean;
  /** Codes meaning "face rejected"; see DEFAULT_PHOTO_REJECTED_CODES. */
  photoRejectedCodes?: string[];
  /** Sent as the `userId` header, which some APIs need (§1.2). */
  userId?: string;
}

export interface AddPersonInput {
  personCode: string;
  personGivenName: string;
  personFamilyName: string;
  orgIndexCode: string;
  beginTime: HcpTimeInput;
  endTime: HcpTimeInput;
  remark?: string;
  gender?: HcpGender;
  /** Base64 JPEG, no data-URI prefix. */
  faceData?: string;
}

export interface UpdatePersonInput {
  personId: string;
  personGivenName?: string;
  personFamilyName?: string;
  beginTime?: HcpTimeInput;
  endTime?: HcpTimeInput;
  remark?: string;
  orgIndexCode?: string;
}

interface CallOptions {
  carriesFace?: boolean;
}

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const API_PREFIX = '/artemis/api';
// The exact strings are signed, so they are fixed here rather than left to undici (§1.2).
const ACCEPT = 'application/json';
const CONTENT_TYPE = 'application/json;charset=UTF-8';

const hcpTime = (t: HcpTimeInput): string => (typeof t === 'string' ? t : toHcpTime(t));

function header(headers: RawAnswer['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseEnvelope(body: Buffer): HcpEnvelope | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'code' in parsed) {
      const { code, msg, data } = parsed as { code: unknown; msg?: unknown; data?: unknown };
      return { code: String(code), msg: typeof msg === 'string' ? msg : '', data };
    }
  } catch {
    // not JSON: the caller decides what a non-envelope answer means
  }
  return undefined;
}

export class HikCentralClient {
  private readonly agent: Agent;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: HikCentralClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.agent = new Agent({
      keepAliveTimeout: 30_000,
      connectTimeout: this.timeoutMs,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      connect: {
        ca: options.ca,
        rejectUnauthorized: options.insecureTls !== true,
      },
    });
  }

  async version(): Promise<VersionInfo> {
    return this.call<VersionInfo>('/common/v1/version', {});
  }

  /** `null` when HCP answers 128 "resource does not exist" (§1.5 [obs]). */
  async findPersonByCode(personCode: string): Promise<PersonInfo | null> {
    return this.orNull(this.call<PersonInfo>('/resource/v1/person/personCode/personInfo', { personCode }));
  }

  async getPersonById(personId: string): Promise<PersonInfo | null> {
    return this.orNull(this.call<PersonInfo>('/resource/v1/person/personId/personInfo', { personId }));
  }

  /** Returns the new personId; a taken personCode throws kind `alreadyExists` (131). */
  async addPerson(p: AddPersonInput): Promise<string> {
    const body: PersonAddRequest = {
      personCode: p.personCode,
      personGivenName: p.personGivenName,
      personFamilyName: p.personFamilyName,
      orgIndexCode: p.orgIndexCode,
      beginTime: hcpTime(p.beginTime),
      endTime: hcpTime(p.endTime),
      ...(p.remark !== undefined && { remark: p.remark }),
      ...(p.gender !== undefined && { gender: p.gender }),
      ...(p.faceData !== undefined && { faces: [{ faceData: p.faceData }] }),
    };
    const personId = await this.call<unknown>('/resource/v1/person/single/add', body, {
      carriesFace: p.faceData !== undefined,
    });
    // The guide shows a string ("1150", §1.5); tolerate a number from other versions.
    if (typeof personId !== 'string' && typeof personId !== 'number') {
      throw new HikCentralError('permanent', {
        code: '0',
        hcpMessage: 'person/single/add succeeded without a personId',
        path: '/resource/v1/person/single/add',
      });
    }
    return String(personId);
  }

  async updatePerson(p: UpdatePersonInput): Promise<void> {
    const body: PersonUpdateRequest = {
      personId: p.personId,
      ...(p.personGivenName !== undefined && { personGivenName: p.personGivenName }),
      ...(p.personFamilyName !== undefined && { personFamilyName: p.personFamilyName }),
      ...(p.orgIndexCode !== undefined && { orgIndexCode: p.orgIndexCode }),
      ...(p.beginTime !== undefined && { beginTime: hcpTime(p.beginTime) }),
      ...(p.endTime !== undefined && { endTime: hcpTime(p.endTime) }),
      ...(p.remark !== undefined && { remark: p.remark }),
    };
    await this.call('/resource/v1/person/single/update', body);
  }

  /** Exactly `personId` + `faceData`: the body shape one team found to work (§1.8). */
  async updateFace(personId: string, faceDataBase64: string): Promise<void> {
    await this.call('/resource/v1/person/face/update', { personId, faceData: faceDataBase64 }, { carriesFace: true });
  }

  /** Idempotent: an already absent person (128) counts as deleted, so an activity retry cannot fail on it (STYLE 9). */
  async deletePerson(personId: string): Promise<void> {
    await this.orNull(this.call('/resource/v1/person/single/delete', { personId }));
  }

  /**
   * `picture_data` has no envelope: usually text `data:image/jpeg;base64,...`, sometimes raw JPEG bytes
   * (§1.5, §4 q5). An envelope in the answer is an error.
   */
  async fetchPersonPhoto(personId: string, picUri: string): Promise<Buffer> {
    const path = '/resource/v1/person/picture_data';
    const answer = await this.post(path, { personId, picUri });
    const contentType = header(answer.headers, 'content-type') ?? '';
    const isJpeg = answer.body.length > 2 && answer.body[0] === 0xff && answer.body[1] === 0xd8;
    if (answer.status === 200 && (contentType.startsWith('image/') || isJpeg)) return answer.body;

    const text = answer.body.toString('utf8');
    const marker = text.indexOf('base64,');
    if (answer.status === 200 && marker >= 0)
      return Buffer.from(text.slice(marker + 'base64,'.length).trim(), 'base64');

    const envelope = parseEnvelope(answer.body);
    const error = this.classify(path, answer, envelope);
    throw (
      error ??
      new HikCentralError('permanent', { code: '0', hcpMessage: 'picture_data answered without a picture', path })
    );
  }

  async getOrg(orgIndexCode: string): Promise<OrgInfo | null> {
    return this.orNull(this.call<OrgInfo>('/resource/v1/org/orgIndexCode/orgInfo', { orgIndexCode }));
  }

  async listOrgs(pageNo: number, pageSize: number): Promise<HcpPage<OrgInfo>> {
    return this.call<HcpPage<OrgInfo>>('/resource/v1/org/orgList', { pageNo, pageSize });
  }

  async listPrivilegeGroups(
    type: PrivilegeGroupType = 1,
    pageNo = 1,
    pageSize = 500,
  ): Promise<HcpPage<PrivilegeGroup>> {
    return this.call<HcpPage<PrivilegeGroup>>('/acs/v1/privilege/group', { pageNo, pageSize, type });
  }

  async addPersonsToPrivilegeGroup(privilegeGroupId: string, personIds: string[]): Promise<void> {
    await this.call('/acs/v1/privilege/group/single/addPersons', {
      privilegeGroupId,
      type: 1,
      list: personIds.map((id) => ({ id })),
    });
  }

  /** Pushes pending permission changes to the devices ("apply"); body shapes vary, `{}` is the minimal one (§1.5, §4 q6). */
  async reapplyAuth(): Promise<void> {
    await this.call('/visitor/v1/auth/reapplication', {});
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }

  private async orNull<T>(pending: Promise<T>): Promise<T | null> {
    try {
      return await pending;
    } catch (err) {
      if (err instanceof HikCentralError && err.kind === 'notFound') return null;
      throw err;
    }
  }

  private async call<T>(path: string, body: unknown, opts: CallOptions = {}): Promise<T> {
    const answer = await this.post(path, body);
    const envelope = parseEnvelope(answer.body);
    const error = this.classify(path, answer, envelope, opts.carriesFace);
    if (error !== null) throw error;
    return envelope?.data as T;
  }

  private classify(
    path: string,
    answer: RawAnswer,
    envelope: HcpEnvelope | undefined,
    carriesFace = false,
  ): HikCentralError | null {
    return classifyHikCentralAnswer(
      {
        path,
        httpStatus: answer.status,
        code: envelope?.code,
        msg: envelope?.msg,
        retryAfter: header(answer.headers, 'retry-after'),
        gatewayMessage: header(answer.headers, 'x-ca-error-message'),
        carriesFace,
      },
      { photoRejectedCodes: this.options.photoRejectedCodes },
    );
  }

  private async post(path: string, body: unknown): Promise<RawAnswer> {
    const fullPath = `${API_PREFIX}${path}`;
    const headers = signRequest({
      method: 'POST',
      path: fullPath,
      headers: { Accept: ACCEPT, 'Content-Type': CONTENT_TYPE },
      appKey: this.options.appKey,
      appSecret: this.options.appSecret,
    });
    // Not an x-ca-* header, so unsigned (§1.2).
    if (this.options.userId !== undefined) headers.userId = this.options.userId;

    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const res = await request(`${this.baseUrl}${fullPath}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        dispatcher: this.agent,
        signal,
      });
      const bytes = Buffer.from(await res.body.arrayBuffer());
      return { status: res.statusCode, headers: res.headers, body: bytes };
    } catch (err) {
      throw classifyTransportError(err, path, signal.aborted);
    }
  }
}
