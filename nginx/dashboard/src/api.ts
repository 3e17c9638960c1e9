// HTTP client for the daemon's JSON API under /api (same origin; the session
// cookie travels by itself). Every failure becomes an ApiError whose message is
// the server's `error` field, so callers can show it as is.

import type {
  AuthStatus, Session, Provider, Workspace, EnvSet, Policy, PolicySetSummary,
  PolicySetDetail, PendingDecision, AuditDecision, SessionEvent, NotificationRecord,
  ValidateResult, ValidateGitResult, AnalyticsRange, AnalyticsOverview, ActivityDay, ModelUsage, TokenDay,
  ProviderCount, ToolCount, DecisionDay, ConversationPage,
} from './types';

export class ApiError extends Error {
  status: number;
  body: any;
  constructor(status: number, message: string, body: any) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Called when an authenticated request answers 401: the session is gone. */
let onUnauthorized: (() => void) | null = null;
export function setUnauthorizedHandler(fn: () => void) {
  onUnauthorized = fn;
}

export async function request<T = any>(method: Method, path: string, body?: unknown,
                                       opts: { auth?: boolean; signal?: AbortSignal } = {}): Promise<T> {
  const init: RequestInit = {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
    signal: opts.signal,
  };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch('/api' + path, init);
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'Cannot reach the CodePiper daemon', null);
  }
  const text = await res.text();
  let data: any = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    const msg = (data && typeof data.error === 'string' && data.error)
      || (res.status === 429 ? 'Too many requests' : `Request failed (HTTP ${res.status})`);
    if (res.status === 401 && opts.auth !== false && onUnauthorized) onUnauthorized();
    throw new ApiError(res.status, msg, data);
  }
  return data as T;
}

const enc = encodeURIComponent;

function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${enc(k)}=${enc(String(v))}`)
    .join('&');
  return q ? '?' + q : '';
}

export const api = {
  // auth (auth.md §5-6); these never trigger the "signed out" handler
  authStatus: () => request<AuthStatus>('GET', '/auth/status', undefined, { auth: false }),
  login: (password: string, totpCode?: string) =>
    request<{ ok: true; token: string }>('POST', '/auth/login',
      totpCode ? { password, totpCode } : { password }, { auth: false }),
  setup: (password: string) =>
    request<{ ok: true; mfaSetupRequired: boolean }>('POST', '/auth/setup', { password }, { auth: false }),
  mfaSetup: () =>
    request<{ secret: string; otpauthUri: string; qrDataUrl: string | null }>('POST', '/auth/mfa/setup',
      undefined, { auth: false }),
  mfaVerify: (totpCode: string) =>
    request<{ recoveryCodes: string[]; token?: string }>('POST', '/auth/mfa/verify', { totpCode }, { auth: false }),
  logout: () => request('POST', '/auth/logout', undefined, { auth: false }),
  version: () => request<{ version: string }>('GET', '/version', undefined, { auth: false }),

  // sessions (sessions.md §6)
  sessions: () => request<{ sessions: Session[] }>('GET', '/sessions'),
  session: (id: string) => request<{ session: Session }>('GET', `/sessions/${enc(id)}`),
  createSession: (body: Record<string, unknown>) => request<{ session: Session }>('POST', '/sessions', body),
  validate: (cwd: string, signal?: AbortSignal) =>
    request<ValidateResult>('POST', '/sessions/validate', { cwd }, { signal }),
  validateGit: (cwd: string, branch: string, createBranch: boolean, signal?: AbortSignal) =>
    request<ValidateGitResult>('POST', '/sessions/validate-git', { cwd, branch, createBranch }, { signal }),
  rename: (id: string, name: string | null) =>
    request<{ session: Session }>('PUT', `/sessions/${enc(id)}/name`, { name }),
  stop: (id: string) => request('POST', `/sessions/${enc(id)}/stop`),
  kill: (id: string) => request('POST', `/sessions/${enc(id)}/kill`),
  resume: (id: string) => request<{ session: Session }>('POST', `/sessions/${enc(id)}/resume`),
  recover: (id: string) => request<{ session: Session }>('POST', `/sessions/${enc(id)}/recover`),
  send: (id: string, text: string, newline = true) =>
    request('POST', `/sessions/${enc(id)}/send`, { text, newline }),
  keys: (id: string, keys: string[]) => request('POST', `/sessions/${enc(id)}/keys`, { keys }),
  output: (id: string) => request<{ output: string }>('GET', `/sessions/${enc(id)}/output`),
  resize: (id: string, cols: number, rows: number) =>
    request('POST', `/sessions/${enc(id)}/resize`, { cols, rows }),
  uploadImage: (id: string, file: Blob, filename: string) => {
    const form = new FormData();
    form.append('image', file, filename);
    return request<{ path: string; filename: string }>('POST', `/sessions/${enc(id)}/upload-image`, form);
  },
  events: (id: string, p: { before?: number; since?: number; limit?: number; source?: string; type?: string;
    order?: 'asc' | 'desc' }) =>
    request<{ events: SessionEvent[]; hasMore: boolean }>('GET', `/sessions/${enc(id)}/events${query(p)}`),
  effectivePolicies: (id: string) =>
    request<{ policies: Policy[] }>('GET', `/sessions/${enc(id)}/effective-policies`),
  sessionPolicySets: (id: string) =>
    request<{ policySets: PolicySetSummary[] }>('GET', `/sessions/${enc(id)}/policy-sets`),
  attachPolicySet: (id: string, policySetId: string) =>
    request('POST', `/sessions/${enc(id)}/policy-sets`, { policySetId }),
  detachPolicySet: (id: string, setId: string) =>
    request('DELETE', `/sessions/${enc(id)}/policy-sets/${enc(setId)}`),

  providers: () => request<{ providers: Provider[] }>('GET', '/providers'),
  workspaces: () => request<{ workspaces: Workspace[] }>('GET', '/workspaces'),
  envSets: () => request<{ envSets: EnvSet[] }>('GET', '/env-sets'),

  // policies (hooks-and-policies.md §7, §9, §11)
  policies: () => request<{ policies: Policy[] }>('GET', '/policies'),
  createPolicy: (p: Partial<Policy>) => request<{ policy: Policy }>('POST', '/policies', p),
  updatePolicy: (id: string, p: Partial<Policy>) => request<{ policy: Policy }>('PUT', `/policies/${enc(id)}`, p),
  deletePolicy: (id: string) => request('DELETE', `/policies/${enc(id)}`),
  policySets: () => request<{ policySets: PolicySetSummary[] }>('GET', '/policy-sets'),
  policySet: (id: string) => request<{ policySet: PolicySetDetail }>('GET', `/policy-sets/${enc(id)}`),
  createPolicySet: (p: { id: string; name: string; description?: string | null; isDefault?: boolean;
    policyIds?: string[] }) => request<{ policySet: PolicySetDetail }>('POST', '/policy-sets', p),
  updatePolicySet: (id: string, p: { name?: string; description?: string | null; isDefault?: boolean }) =>
    request<{ policySet: PolicySetDetail }>('PUT', `/policy-sets/${enc(id)}`, p),
  deletePolicySet: (id: string) => request('DELETE', `/policy-sets/${enc(id)}`),
  addSetMember: (id: string, policyId: string) => request('POST', `/policy-sets/${enc(id)}/policies`, { policyId }),
  removeSetMember: (id: string, policyId: string) =>
    request('DELETE', `/policy-sets/${enc(id)}/policies/${enc(policyId)}`),
  decisions: (p: { sessionId?: string; decision?: string; limit: number; offset: number }) =>
    request<{ decisions: AuditDecision[]; total?: number }>('GET', `/policy-decisions${query(p)}`),
  verifyDecisions: () =>
    request<{ ok: boolean; checked: number; firstBrokenId?: number }>('GET', '/policy-decisions/verify'),
  pending: () => request<{ pending: PendingDecision[] }>('GET', '/policy-decisions/pending'),
  answerPending: (id: string | number, decision: 'allow' | 'deny', remember: boolean) =>
    request('POST', `/policy-decisions/pending/${enc(String(id))}`, { decision, remember }),

  // notifications (hooks-and-policies.md §12)
  notifications: () => request<{ notifications: NotificationRecord[] }>('GET', '/notifications?limit=50'),
  markNotificationRead: (id: number) => request('POST', `/notifications/${id}/read`, { readSource: 'click' }),
  markAllNotificationsRead: () => request('POST', '/notifications/read', {}),

  // analytics (transcripts-and-analytics.md §6-7); every route takes ?range=
  analytics: {
    overview: (range: AnalyticsRange, signal?: AbortSignal) =>
      request<AnalyticsOverview>('GET', `/analytics/overview?range=${range}`, undefined, { signal }),
    activity: (range: AnalyticsRange, signal?: AbortSignal) =>
      request<ActivityDay[]>('GET', `/analytics/activity-timeline?range=${range}`, undefined, { signal }),
    tokensByModel: (range: AnalyticsRange, signal?: AbortSignal) =>
      request<ModelUsage[]>('GET', `/analytics/tokens-by-model?range=${range}`, undefined, { signal }),
    tokenUsage: (range: AnalyticsRange, signal?: AbortSignal) =>
      request<TokenDay[]>('GET', `/analytics/token-usage?range=${range}`, undefined, { signal }),
    sessionsByProvider: (range: AnalyticsRange, signal?: AbortSignal) =>
      request<ProviderCount[]>('GET', `/analytics/sessions-by-provider?range=${range}`, undefined, { signal }),
    toolUsage: (range: AnalyticsRange, signal?: AbortSignal) =>
      request<ToolCount[]>('GET', `/analytics/tool-usage?range=${range}`, undefined, { signal }),
    policyDecisions: (range: AnalyticsRange, signal?: AbortSignal) =>
      request<DecisionDay[]>('GET', `/analytics/policy-decisions?range=${range}`, undefined, { signal }),
  },

  // a session's transcript, newest page first; before=<oldestId> pages back,
  // after=<newestId> fetches what came since (agentd/conversation.c)
  conversation: (id: string, p: { limit?: number; before?: number; after?: number }, signal?: AbortSignal) =>
    request<ConversationPage>('GET', `/sessions/${enc(id)}/conversation${query(p)}`, undefined, { signal }),
};
