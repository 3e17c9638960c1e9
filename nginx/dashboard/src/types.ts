// Shapes of the API's JSON, as spec/*.md describes them. Optional fields are
// the ones the server omits when absent.

export interface AuthStatus {
  setupRequired: boolean;
  mfaEnabled: boolean;
  mfaSetupRequired: boolean;
  onboardingPending: boolean;
  authenticated: boolean;
  authEnabled?: boolean;
}

export type SessionStatus =
  | 'STARTING' | 'RUNNING' | 'NEEDS_PERMISSION' | 'NEEDS_INPUT' | 'STOPPED' | 'CRASHED';

export interface Session {
  id: string;
  provider: string;
  cwd: string;
  status: SessionStatus;
  createdAt: string;
  updatedAt: string;
  pid?: number;
  transcriptPath?: string;
  metadata?: {
    launch?: { args?: string[]; billingMode?: string; envSetIds?: string[] };
    providerSession?: { id?: string; mode?: string; source?: string };
    security?: { dangerousMode?: boolean };
    worktree?: { repoRoot: string; worktreePath: string; branch: string; createdBranch: boolean; originalCwd: string };
    ui?: { customName?: string };
    currentModel?: string;
    gitBranch?: string;
    [k: string]: unknown;
  };
}

export interface Provider {
  id: string;
  label: string;
  runtime: string;
  capabilities: {
    nativeHooks: boolean;
    supportsDangerousMode: boolean;
    supportsModelSwitch: boolean;
    supportsTranscriptTailing: boolean;
    supportsTmuxAdoption: boolean;
    policyChannel: string;
    metricsChannel: string;
  };
  launchHints?: {
    dangerousModeFlags?: string[];
    resumeCommands?: { resume?: string; fork?: string; idPlaceholder?: string };
  };
}

export interface Workspace { id: string; name: string; path: string; createdAt: string; updatedAt: string }

export interface EnvSet {
  id: string; name: string; description?: string;
  maskedVars: Record<string, string>; varCount: number; createdAt: string; updatedAt: string;
}

export type PatternValue = string | string[];

export interface PolicyRule {
  id?: string;
  action: string;
  tool?: PatternValue;
  args?: Record<string, PatternValue>;
  cwd?: PatternValue;
  session?: PatternValue;
  reason?: string;
}

export interface Policy {
  id: string;
  name: string;
  description?: string | null;
  enabled: boolean;
  priority: number;
  sessionId?: string | null;
  rules: PolicyRule[];
  createdAt?: string;
  updatedAt?: string;
}

export interface PolicySetSummary {
  id: string; name: string; description?: string | null; isDefault: boolean;
  policyCount: number; sessionCount: number; createdAt: string; updatedAt: string;
}

export interface PolicySetDetail {
  id: string; name: string; description?: string | null; isDefault: boolean;
  createdAt: string; updatedAt: string; policies: Policy[];
}

export interface PendingDecision {
  id: string | number;
  sessionId: string;
  toolName: string;
  toolInput: unknown;
  command?: string;
  createdAt: string;
}

export interface AuditDecision {
  id: number;
  sessionId: string;
  eventId?: number;
  policyId?: string;
  toolName: string;
  args?: unknown;
  decision: string;
  reason?: string;
  timestamp: string;
}

export interface SessionEvent {
  id?: number;
  sessionId: string;
  type: string;
  source?: string;
  timestamp: string;
  payload?: any;
  mode?: string;
}

export interface NotificationRecord {
  id: number;
  sessionId: string;
  provider?: string;
  eventType: string;
  title: string;
  body: string;
  createdAt: string;
  readAt: string | null;
}

export interface ValidateResult {
  valid: boolean;
  directoryExists: boolean;
  isGitRepo: boolean;
  errors: string[];
  warnings: string[];
  gitInfo?: { repoRoot: string; currentBranch: string; hasUncommittedChanges: boolean; branches: string[] };
}

export interface ValidateGitResult {
  valid: boolean;
  errors: string[];
  warnings: string[];
  branchExists: boolean;
  branchCheckedOut: boolean;
  checkedOutIn?: string;
  uncommittedChanges: boolean;
}

// ---- analytics (transcripts-and-analytics.md §7) ----

export type AnalyticsRange = 'today' | '7d' | '30d' | 'all';

export interface AnalyticsOverview {
  sessionsCount: number;
  activeSessions: number;
  totalTokens: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  totalMessages: number;
  cacheHitRate: number;
  costEstimate: number;
}
export interface ActivityDay { date: string; user_messages: number; assistant_messages: number; total: number }
export interface ModelUsage {
  model: string; tokens: number; prompt_tokens: number; completion_tokens: number;
  cache_read: number; cache_creation: number; requests: number; costEstimate: number;
}
export interface TokenDay { date: string; prompt: number; completion: number; cacheCreation: number; cacheRead: number }
export interface ProviderCount { provider: string; count: number }
export interface ToolCount { tool: string; count: number }
export interface DecisionDay { date: string; decision: string; count: number }

// ---- conversation (GET /sessions/:id/conversation, agentd/conversation.c) ----

export interface ConversationUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}
export interface ToolResultData { content?: string; text?: string; isError?: boolean; truncated?: boolean; eventId?: number }
export type ConversationBlock =
  | { type: 'text'; text: string; truncated?: boolean }
  | { type: 'thinking'; thinking: string; truncated?: boolean }
  | { type: 'tool_use'; id?: string; name?: string; input?: unknown; result?: ToolResultData }
  | { type: 'tool_result'; toolUseId?: string; content?: string; isError?: boolean; truncated?: boolean }
  | { type: string; [k: string]: unknown };
export interface ConversationMessage {
  id: number;
  role: 'user' | 'assistant';
  timestamp: string;
  uuid?: string;
  isMeta?: boolean;
  messageId?: string;
  model?: string;
  stopReason?: string;
  usage?: ConversationUsage;
  toolResult?: boolean;
  content: ConversationBlock[];
}
export interface ConversationPage {
  sessionId?: string;
  messages: ConversationMessage[];
  hasMore: boolean;
  oldestId: number | null;
  newestId: number | null;
}
