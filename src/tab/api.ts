/**
 * The JSON API as the tab reads it (`src/http/workload-api.ts` writes it). Times are ISO strings.
 */

export type OccurrenceStatus = 'pending' | 'posted' | 'acknowledged' | 'snoozed' | 'overdue' | 'escalated' | 'done' | 'skipped' | 'missed';

export interface WorkloadItem {
  readonly occurrenceId: string;
  readonly activityId: string;
  readonly status: OccurrenceStatus;
  readonly scheduledAt: string;
  readonly dueAt: string;
  readonly acknowledgedBy: { readonly name: string } | null;
  readonly snoozedUntil: string | null;
  /** The person the task is assigned to; null: the team as a whole. */
  readonly assignee: { readonly name: string } | null;
  /** True once the task went overdue (whatever its status shows now). */
  readonly overdue: boolean;
}

/** One person's open and overdue tasks in a team (the assignee's, else the acknowledger's). */
export interface PersonLoad {
  readonly name: string;
  readonly aadObjectId: string | null;
  readonly open: number;
  readonly overdue: number;
}

/** A task of the signed-in person (`/api/my-tasks`). */
export interface MyTask extends WorkloadItem {
  readonly relation: 'assigned' | 'acknowledged';
  readonly title: string;
  readonly title_ko: string;
  readonly team: { readonly id: string; readonly name: string; readonly name_ko: string };
  /** Deep link to the task's card in its Teams channel; null when it was never posted. */
  readonly link: string | null;
}

export interface MyTasks {
  readonly tenantId: string;
  /** The server's now: "3 hours ago" is counted from it. */
  readonly at: string;
  readonly tasks: readonly MyTask[];
}

export interface Workload {
  readonly team: { readonly id: string; readonly name: string };
  readonly tenantId: string;
  readonly at: string;
  readonly open: readonly WorkloadItem[];
  readonly overdue: readonly WorkloadItem[];
  readonly snoozed: readonly WorkloadItem[];
  /** Most overdue first, then most open. */
  readonly people: readonly PersonLoad[];
  readonly unassigned: { readonly open: number; readonly overdue: number };
  readonly unposted: number;
  readonly doneLast7Days: number;
  readonly doneLast30Days: number;
  readonly upcoming: readonly { readonly activityId: string; readonly at: string; readonly created: boolean }[];
  readonly stats: {
    readonly due: number;
    readonly doneOnTime: number;
    readonly doneLate: number;
    readonly skipped: number;
    readonly missed: number;
    readonly completionRate: number | null;
    readonly medianTimeToDoneMs: number | null;
    readonly windowDays: number;
  };
  readonly weekly: readonly { readonly weekStart: string; readonly due: number; readonly doneOnTime: number }[];
  /** Runs of fire times missed while the bot was down, latest first. */
  readonly missedRuns: readonly { readonly activityId: string; readonly first: string; readonly last: string; readonly count: number }[];
}

export interface SocTeam {
  readonly id: string;
  readonly name: string;
  readonly name_ko: string;
  readonly binding: { readonly channelId: string; readonly channelName: string | null; readonly active: boolean } | null;
}

export interface TeamsList {
  readonly tenantId: string;
  readonly teams: readonly SocTeam[];
}

export interface CatalogActivity {
  readonly id: string;
  readonly title: string;
  readonly title_ko: string;
  readonly cadence: string;
  readonly cadence_ko: string;
}

export interface CatalogInfo {
  readonly timezone: string;
  readonly teams: readonly { readonly id: string; readonly name: string; readonly name_ko: string }[];
  readonly activities: readonly CatalogActivity[];
}

/** A non-2xx answer; `status` 401/403 mean the tab must sign in (or may not read); `code` is the API's. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Reads the API: `token` is the Teams SSO token when there is one; `tenant` comes from the page's own `?tenant=`. */
export class ApiClient {
  constructor(
    private readonly base: string,
    private readonly token: () => Promise<string | undefined>,
    private readonly tenant?: string,
  ) {}

  catalog(): Promise<CatalogInfo> {
    return this.get<CatalogInfo>('/api/catalog');
  }

  teams(): Promise<TeamsList> {
    return this.get<TeamsList>('/api/teams');
  }

  workload(team: string): Promise<Workload> {
    return this.get<Workload>(`/api/workload?team=${encodeURIComponent(team)}`);
  }

  /** The signed-in person's open tasks; who that is comes from the token, never from the request. */
  myTasks(): Promise<MyTasks> {
    return this.get<MyTasks>('/api/my-tasks');
  }

  private async get<T>(path: string): Promise<T> {
    const url = new URL(path, this.base);
    if (this.tenant) url.searchParams.set('tenant', this.tenant);
    const headers: Record<string, string> = { Accept: 'application/json' };
    const token = await this.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(url, { headers, cache: 'no-store', credentials: 'omit' });
    if (!res.ok) {
      const body = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
      throw new ApiError(res.status, body?.error?.message ?? `HTTP ${res.status}`, body?.error?.code);
    }
    return (await res.json()) as T;
  }
}
