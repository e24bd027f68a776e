/**
 * The order of the bot's pipeline, with stand-ins for the domain: a gate that refuses stops the turn before any
 * later step or handler runs, and what passes every gate reaches the service-URL refresh, then its handler, then
 * the metric, and only then is its invoke answered.
 */
import type { Activity, TurnContext } from 'botbuilder';
import { Writable } from 'node:stream';
import { loadCatalog } from '../../src/catalog/catalog.loader';
import { createLogger } from '../../src/logger';
import { OccurrenceNotFound } from '../../src/reminders/errors';
import { SocBot, type BotDeps } from '../../src/teams/bot';
import { CardViews } from '../../src/teams/card-views.builder';
import { TurnPipeline, type InboundTurn } from '../../src/teams/pipeline/turn-pipeline';
import { ServiceUrlPolicy, defaultServiceUrlRules } from '../../src/teams/service-url';

const TEAMS_URL = 'https://smba.trafficmanager.net/emea/';
const ALLOWED = 'tenant-allowed';
const TEAM_ID = '19:team@thread.tacv2';

/** A dependency no test here should reach: reaching it fails the test loudly. */
const unused =
  (name: string) =>
  (): never => {
    throw new Error(`${name} was called`);
  };

function setUp(options: { allowedTenants?: readonly string[]; fallbackTenantId?: string } = {}) {
  const events: string[] = [];
  const logs: { msg: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line) as { msg: string });
      done();
    },
  });
  const catalog = loadCatalog({ defaultTimezone: 'Asia/Seoul' });
  const deps: BotDeps = {
    catalog,
    clock: { now: () => Date.parse('2026-03-09T01:00:00Z') },
    views: new CardViews(catalog),
    reach: { unreachable: async () => [] },
    logger: createLogger('warn', sink),
    defaultLocale: 'en',
    allowedTenants: options.allowedTenants ?? [ALLOWED],
    fallbackTenantId: options.fallbackTenantId,
    trustServiceUrl: new ServiceUrlPolicy(defaultServiceUrlRules('public'), { allowLoopback: false }).check,
    observeCardAction: (verb, outcome) => events.push(`metric ${verb} ${outcome}`),
    reminders: {
      acknowledge: async (_tenantId, id) => {
        events.push(`ack ${id}`);
        throw new OccurrenceNotFound(id);
      },
      complete: unused('complete'),
      snooze: unused('snooze'),
      skip: unused('skip'),
      forAction: unused('forAction'),
      runOnDemand: unused('runOnDemand'),
      assign: unused('assign'),
      rotation: unused('rotation'),
      changeRotation: unused('changeRotation'),
      openTasksOf: unused('openTasksOf'),
    },
    bindings: {
      refreshServiceUrl: async (tenantId, teamsTeamId) => {
        events.push(`refresh ${tenantId} ${teamsTeamId}`);
      },
      recordInstallation: unused('recordInstallation'),
      recordRemoval: unused('recordRemoval'),
      bind: unused('bind'),
      unbind: unused('unbind'),
      listTeams: async () => {
        events.push('listTeams');
        return [];
      },
      findTeam: unused('findTeam'),
      teamsOfChannel: unused('teamsOfChannel'),
      teamsBoundInTeamsTeam: unused('teamsBoundInTeamsTeam'),
      teamsTeamOf: unused('teamsTeamOf'),
    },
    access: { roleOf: async () => ({ role: 'soc-admin', unverified: false }) },
    workload: { forTeam: unused('forTeam'), tasksOf: unused('tasksOf'), overdue: unused('overdue') },
  };
  const bot = new SocBot(deps);
  /** Runs one turn; returns what the bot sent (replies and the invoke response), in order. */
  const turn = async (activity: Partial<Activity>): Promise<Partial<Activity>[]> => {
    const sent: Partial<Activity>[] = [];
    const context = {
      activity,
      sendActivity: async (a: Partial<Activity>) => {
        events.push(`send ${a.type}`);
        sent.push(a);
        return { id: String(sent.length) };
      },
    };
    // A stand-in for botbuilder's TurnContext: the bot reads `activity` and calls `sendActivity`, nothing else.
    await bot.onTurn(context as unknown as TurnContext);
    return sent;
  };
  return { events, logs, turn };
}

const press = (tenantId: string | undefined, template: { channelId?: string; serviceUrl?: string } = {}): Partial<Activity> => ({
  type: 'invoke',
  name: 'adaptiveCard/action',
  channelId: template.channelId ?? 'msteams',
  serviceUrl: template.serviceUrl ?? TEAMS_URL,
  from: { id: '29:alex', name: 'Alex' },
  conversation: { id: `${TEAM_ID};messageid=1`, isGroup: true, conversationType: 'channel', name: '', ...(tenantId ? { tenantId } : {}) },
  channelData: { team: { id: TEAM_ID }, ...(tenantId ? { tenant: { id: tenantId } } : {}) },
  value: { action: { type: 'Action.Execute', verb: 'ack', data: { occurrenceId: 'occ-1' } } },
});

const message = (tenantId: string, text = 'teams'): Partial<Activity> => ({ ...press(tenantId), type: 'message', name: undefined, value: undefined, text });

const invokeBody = (sent: Partial<Activity>[]) => (sent.find((a) => a.type === 'invokeResponse')?.value as { body?: unknown } | undefined)?.body;

describe('the bot pipeline', () => {
  it('runs an allowed card action as: refresh, handler, metric, then the answer', async () => {
    const { events, turn } = setUp();
    const sent = await turn(press(ALLOWED));
    expect(events).toEqual([`refresh ${ALLOWED} ${TEAM_ID}`, 'ack occ-1', 'metric ack refused', 'send invokeResponse']);
    expect(invokeBody(sent)).toEqual({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'This task no longer exists or belongs to another organisation.' });
  });

  it('stops a tenant off ALLOWED_TENANTS before the refresh, any handler or the metric, and refuses its invoke with 403', async () => {
    const { events, logs, turn } = setUp();
    const sent = await turn(press('tenant-other'));
    expect(events).toEqual(['send invokeResponse']);
    expect(invokeBody(sent)).toEqual({ statusCode: 403, type: 'application/vnd.microsoft.error', value: { code: 'Forbidden', message: 'tenant not allowed' } });
    expect(await turn(message('tenant-other'))).toEqual([]);
    expect(events).toEqual(['send invokeResponse']);
    // Said once per tenant, however often it sends.
    expect(logs.filter((l) => /ALLOWED_TENANTS/.test(l.msg))).toHaveLength(1);
  });

  it('refuses an invoke without a tenant with 400, and answers nothing else without one', async () => {
    const { events, turn } = setUp();
    expect(invokeBody(await turn(press(undefined)))).toEqual({ statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'BadRequest', message: 'no tenant' } });
    expect(await turn({ ...message(ALLOWED), conversation: { id: 'a:1', isGroup: false, conversationType: 'personal', name: '' }, channelData: {} })).toEqual([]);
    expect(events).toEqual(['send invokeResponse']);
  });

  it('checks the endpoint before the tenant: an untrusted one gets nothing, not even the tenant refusal', async () => {
    const { events, logs, turn } = setUp();
    for (const template of [{ channelId: 'webchat' }, { serviceUrl: 'https://attacker.example/' }]) {
      expect(await turn(press(undefined, template))).toEqual([]);
      expect(await turn(press('tenant-other', template))).toEqual([]);
    }
    expect(events).toEqual([]);
    expect(logs.map((l) => l.msg)).toEqual(Array(4).fill('activity not from a trusted Microsoft Teams endpoint ignored'));
  });

  it('routes an allowed message after the refresh, and times nothing but card actions', async () => {
    const { events, turn } = setUp({ allowedTenants: [] });
    await turn(message('any-tenant'));
    expect(events).toEqual([`refresh any-tenant ${TEAM_ID}`, 'listTeams', 'send message']);
  });

  it('never enters the pipeline for an activity no route takes', async () => {
    const { events, logs, turn } = setUp();
    expect(await turn({ ...press('tenant-other', { channelId: 'webchat' }), type: 'typing' })).toEqual([]);
    expect(events).toEqual([]);
    expect(logs).toEqual([]);
  });
});

describe('TurnPipeline', () => {
  const turn = { route: 'message' } as InboundTurn;

  it('runs steps in the order of use(), then the handler', async () => {
    const order: string[] = [];
    const pipeline = new TurnPipeline()
      .use(async (_t, next) => {
        order.push('a');
        await next();
        order.push('a after');
      })
      .use(async (_t, next) => {
        order.push('b');
        await next();
      });
    await pipeline.run(turn, async () => {
      order.push('handler');
    });
    expect(order).toEqual(['a', 'b', 'handler', 'a after']);
  });

  it('stops at a step that does not call next()', async () => {
    const order: string[] = [];
    const pipeline = new TurnPipeline().use(async () => {
      order.push('gate');
    });
    pipeline.use(async (_t, next) => {
      order.push('later');
      await next();
    });
    await pipeline.run(turn, async () => {
      order.push('handler');
    });
    expect(order).toEqual(['gate']);
  });

  it('refuses a second next() from one step', async () => {
    let handled = 0;
    const pipeline = new TurnPipeline().use(async (_t, next) => {
      await next();
      await next();
    });
    await expect(
      pipeline.run(turn, async () => {
        handled += 1;
      }),
    ).rejects.toThrow(/next\(\) twice/);
    expect(handled).toBe(1);
  });
});
