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
}

export interface Workload {
  readonly team: { readonly id: string; readonly name: string };
  readonly tenantId: string;
  readonly at: string;
  readonly open: readonly WorkloadItem[];
  readonly overdue: readonly WorkloadItem[];
  readonly snoozed: readonly WorkloadItem[];
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

/** A non-2xx answer; `status` 401/403 mean the tab must sign in (or may not read). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
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

  private async get<T>(path: string): Promise<T> {
    const url = new URL(path, this.base);
    if (this.tenant) url.searchParams.set('tenant', this.tenant);
    const headers: Record<string, string> = { Accept: 'application/json' };
    const token = await this.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(url, { headers, cache: 'no-store', credentials: 'omit' });
    if (!res.ok) {
      const body = (await res.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
      throw new ApiError(res.status, body?.error?.message ?? `HTTP ${res.status}`);
    }
    return (await res.json()) as T;
  }
}
