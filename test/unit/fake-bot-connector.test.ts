/**
 * The fake Bot Connector must behave like Teams' Bot Connector as far as botbuilder's own client can tell:
 * these tests drive it with botbuilder 4.23 (CloudAdapter in local mode) and with raw HTTP where timing matters.
 */
import {
  CardFactory,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  MessageFactory,
  TeamsInfo,
  TurnContext,
  type ConversationParameters,
  type ConversationReference,
} from 'botbuilder';
import { FakeBotConnector, threadKeyOf, type RecordedPost } from '../support/fake-bot-connector';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER_TENANT = '0d5c1b1a-1111-4222-8333-944455556666';
const TEAM_ID = '19:teamGeneral0123456789abcdef@thread.tacv2';
const CHANNEL_ID = '19:socChannel0123456789abcdef@thread.tacv2';
const BOT = { id: '28:00000000-0000-0000-0000-00000000b07a', name: 'SOC Reminders' };

interface RestErrorLike {
  statusCode?: number;
  code?: string;
  message: string;
  response?: { headers: { get(name: string): string | undefined } };
}

function card(title: string): Record<string, unknown> {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [{ type: 'TextBlock', text: title, wrap: true }],
  };
}

function makeAdapter(): { adapter: CloudAdapter; errors: RestErrorLike[] } {
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  const errors: RestErrorLike[] = [];
  adapter.onTurnError = async (_context, error) => {
    errors.push(error as unknown as RestErrorLike);
  };
  return { adapter, errors };
}

function channelReference(serviceUrl: string, conversationId: string, tenantId = TENANT): ConversationReference {
  return {
    channelId: 'msteams',
    serviceUrl,
    bot: BOT,
    conversation: { id: conversationId, isGroup: true, conversationType: 'channel', tenantId, name: '' },
  } as ConversationReference;
}

function channelPostParameters(channelId: string, title: string, tenantId = TENANT): ConversationParameters {
  return {
    isGroup: true,
    bot: BOT,
    tenantId,
    channelData: { channel: { id: channelId }, tenant: { id: tenantId } },
    activity: MessageFactory.attachment(CardFactory.adaptiveCard(card(title))),
  } as unknown as ConversationParameters;
}

/** Raw HTTP helpers, for tests that drive the injected clock. */
async function rawSend(fake: FakeBotConnector, conversationId: string, text: string, tenantId = TENANT): Promise<Response> {
  return fetch(`${fake.url}v3/conversations/${encodeURIComponent(conversationId)}/activities`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: 'message', text, conversation: { id: conversationId, tenantId } }),
  });
}

async function rawCreate(fake: FakeBotConnector, channelId: string, text: string, tenantId = TENANT): Promise<Response> {
  return fetch(`${fake.url}v3/conversations`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      isGroup: true,
      tenantId,
      channelData: { channel: { id: channelId }, tenant: { id: tenantId } },
      activity: { type: 'message', text },
    }),
  });
}

describe('FakeBotConnector', () => {
  let fake: FakeBotConnector;

  afterEach(async () => {
    await fake?.stop();
  });

  describe('with botbuilder CloudAdapter (local mode)', () => {
    beforeEach(async () => {
      fake = new FakeBotConnector();
      await fake.start();
    });

    it('listens on 127.0.0.1 and gives a serviceUrl ending in /', () => {
      expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    });

    it('records sendActivity and updateActivity in a Teams channel thread id with ;messageid=, round-tripped', async () => {
      const { adapter, errors } = makeAdapter();
      const thread = `${CHANNEL_ID};messageid=1699999999999`;
      let sentId: string | undefined;
      await adapter.continueConversationAsync('', channelReference(fake.url, thread), async (ctx) => {
        const sent = await ctx.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card('Rotate SIEM keys'))));
        sentId = sent?.id;
        await ctx.updateActivity({
          type: 'message',
          id: sent!.id,
          attachments: [CardFactory.adaptiveCard(card('Rotate SIEM keys — done'))],
        });
      });
      expect(errors).toEqual([]);
      expect(sentId).toMatch(/^\d{13,}$/);

      // On the wire: the whole conversation id is one percent-encoded path segment.
      const encoded = encodeURIComponent(thread);
      expect(encoded).toBe('19%3AsocChannel0123456789abcdef%40thread.tacv2%3Bmessageid%3D1699999999999');
      const [send, update] = fake.requests;
      // continueConversationAsync gives the turn a random continuation activity id, and TurnContext copies it into
      // replyToId, so botbuilder's "send" is a replyToActivity POST to …/activities/<uuid>.
      expect(send).toMatchObject({ method: 'POST', operation: 'replyToActivity', conversationId: thread, tenantId: TENANT, status: 201 });
      expect(send!.rawPath.startsWith(`/v3/conversations/${encoded}/activities/`)).toBe(true);
      expect(send!.activityId).toMatch(/^[0-9a-f-]{36}$/);
      expect(send!.authorization).toBeUndefined(); // local mode: no token
      expect(update).toMatchObject({ method: 'PUT', operation: 'updateActivity', conversationId: thread, activityId: sentId, status: 200 });
      expect(update!.rawPath).toBe(`/v3/conversations/${encoded}/activities/${sentId}`);

      const posts = fake.posts();
      expect(posts).toHaveLength(1);
      expect(posts[0]).toMatchObject({ kind: 'reply', conversationId: thread, threadId: CHANNEL_ID, activityId: sentId, tenantId: TENANT });
      expect(fake.attachmentsOf(posts[0]!)).toEqual([card('Rotate SIEM keys')]);
      const updates = fake.updates();
      expect(updates).toHaveLength(1);
      expect(updates[0]).toMatchObject({ conversationId: thread, activityId: sentId, tenantId: TENANT });
      expect(fake.attachmentsOf(updates[0]!)).toEqual([card('Rotate SIEM keys — done')]);
      expect(fake.attachmentsOf(fake.message(thread, sentId!)!)).toEqual([card('Rotate SIEM keys — done')]);
    });

    it('gives unique, increasing Teams-style numeric activity ids', async () => {
      const { adapter } = makeAdapter();
      const ids: string[] = [];
      await adapter.continueConversationAsync('', channelReference(fake.url, CHANNEL_ID), async (ctx) => {
        for (let i = 0; i < 5; i++) ids.push((await ctx.sendActivity(`n${i}`))!.id);
      });
      expect(new Set(ids).size).toBe(5);
      for (const id of ids) expect(id).toMatch(/^\d{13,}$/);
      expect(ids.map(Number)).toEqual([...ids.map(Number)].sort((a, b) => a - b));
    });

    it('creates a new channel post with createConversationAsync and answers { id: "<channel>;messageid=<id>", activityId }', async () => {
      const { adapter, errors } = makeAdapter();
      let turnActivityId: string | undefined;
      let reference: Partial<ConversationReference> | undefined;
      await adapter.createConversationAsync('', 'msteams', fake.url, '', channelPostParameters(CHANNEL_ID, 'Weekly backup check'), async (ctx) => {
        turnActivityId = ctx.activity.id;
        reference = TurnContext.getConversationReference(ctx.activity);
        await ctx.sendActivity('First reply in the thread');
      });
      expect(errors).toEqual([]);

      const [create] = fake.requests;
      expect(create).toMatchObject({ method: 'POST', rawPath: '/v3/conversations', operation: 'createConversation', tenantId: TENANT, status: 201 });
      expect(create!.body).toMatchObject({ isGroup: true, tenantId: TENANT, channelData: { channel: { id: CHANNEL_ID }, tenant: { id: TENANT } } });

      const [root, reply] = fake.posts();
      expect(root).toMatchObject({ kind: 'create', threadId: CHANNEL_ID, tenantId: TENANT });
      expect(root!.activityId).toMatch(/^\d{13,}$/);
      expect(root!.conversationId).toBe(`${CHANNEL_ID};messageid=${root!.activityId}`);
      expect(fake.attachmentsOf(root!)).toEqual([card('Weekly backup check')]);

      // botbuilder hands the turn the new conversation id — and uses it as the activity id too: the root message id
      // is only available as the ;messageid= suffix.
      expect(reference!.conversation!.id).toBe(root!.conversationId);
      expect(turnActivityId).toBe(root!.conversationId);

      // The reply goes into the new thread (replyToActivity with the conversation id as activity id).
      expect(reply).toMatchObject({ kind: 'reply', conversationId: root!.conversationId, threadId: CHANNEL_ID, tenantId: TENANT });
      expect(reply!.replyToId).toBe(root!.conversationId);
      expect(fake.requests[1]!.rawPath).toBe(
        `/v3/conversations/${encodeURIComponent(root!.conversationId)}/activities/${encodeURIComponent(root!.conversationId)}`,
      );
      expect(fake.requests[1]!.headers['x-ms-conversation-id']).toBe(root!.conversationId);

      // Later: update the root post through the stored reference.
      await adapter.continueConversationAsync('', reference as ConversationReference, async (ctx) => {
        await ctx.updateActivity({ type: 'message', id: root!.activityId, attachments: [CardFactory.adaptiveCard(card('Weekly backup check — done'))] });
      });
      expect(errors).toEqual([]);
      expect(fake.updates()).toEqual([
        expect.objectContaining({ conversationId: root!.conversationId, activityId: root!.activityId, tenantId: TENANT }),
      ]);
      expect(fake.attachmentsOf(fake.message(root!.conversationId, root!.activityId)!)).toEqual([card('Weekly backup check — done')]);
    });

    it('deletes a message (DELETE → 200) and then rejects updates to it', async () => {
      const { adapter, errors } = makeAdapter();
      await adapter.continueConversationAsync('', channelReference(fake.url, CHANNEL_ID), async (ctx) => {
        const sent = await ctx.sendActivity('temporary');
        await ctx.deleteActivity(sent!.id);
        await ctx.updateActivity({ type: 'message', id: sent!.id, text: 'too late' });
      });
      expect(fake.deletes()).toHaveLength(1);
      expect(fake.requests.map((r) => [r.method, r.status])).toEqual([
        ['POST', 201],
        ['DELETE', 200],
        ['PUT', 404],
      ]);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ statusCode: 404, code: 'NotFound' });
      expect(fake.updates()).toEqual([]);
    });

    it('learns the tenant of a conversation from its creation and applies it to later sends', async () => {
      const { adapter } = makeAdapter();
      let conversationId = '';
      await adapter.createConversationAsync('', 'msteams', fake.url, '', channelPostParameters(CHANNEL_ID, 'x', OTHER_TENANT), async (ctx) => {
        conversationId = ctx.activity.conversation.id;
      });
      // A reference without any tenant: the fake still knows which tenant the thread belongs to.
      const bare = { channelId: 'msteams', serviceUrl: fake.url, bot: BOT, conversation: { id: conversationId } } as ConversationReference;
      await adapter.continueConversationAsync('', bare, async (ctx) => {
        await ctx.sendActivity('no tenant in this body');
      });
      expect(fake.posts().map((p) => p.tenantId)).toEqual([OTHER_TENANT, OTHER_TENANT]);
      expect(fake.requests[1]!.body).not.toHaveProperty('conversation.tenantId');
    });

    describe('failure injection', () => {
      it.each([
        [403, 'BotNotInConversationRoster'],
        [403, 'ConversationBlockedByUser'],
        [403, 'BotDisabledByAdmin'],
        [404, 'ConversationNotFound'],
        [412, 'PreconditionFailed'],
        [413, 'RequestEntityTooLarge'],
      ])('surfaces %i %s to onTurnError as a RestError, and records no post', async (status, code) => {
        const { adapter, errors } = makeAdapter();
        fake.failNext({ status, code, message: `injected ${code}` });
        let reached = false;
        await adapter.continueConversationAsync('', channelReference(fake.url, CHANNEL_ID), async (ctx) => {
          await ctx.sendActivity('hello');
          reached = true;
        });
        expect(reached).toBe(false);
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatchObject({ statusCode: status, code, message: `injected ${code}` });
        expect(fake.requests).toHaveLength(1); // 4xx: botbuilder does not retry
        expect(fake.requests[0]!.status).toBe(status);
        expect(fake.posts()).toEqual([]);
      });

      it('fails createConversationAsync in the caller (not onTurnError): the create happens before the turn', async () => {
        const { adapter, errors } = makeAdapter();
        fake.failNext({ status: 404, code: 'ConversationNotFound', message: 'channel gone' });
        await expect(
          adapter.createConversationAsync('', 'msteams', fake.url, '', channelPostParameters(CHANNEL_ID, 'x'), async () => undefined),
        ).rejects.toMatchObject({ statusCode: 404, code: 'ConversationNotFound', message: 'channel gone' });
        expect(errors).toEqual([]);
        expect(fake.posts()).toEqual([]);
      });

      it('queues calls, matches by predicate and honours times', async () => {
        fake.failNext({ status: 412, code: 'PreconditionFailed', match: (r) => r.operation === 'updateActivity' });
        fake.failNext({ status: 403, code: 'BotNotInConversationRoster', times: 2 });
        fake.failNext({ status: 404, code: 'ConversationNotFound' });
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) statuses.push((await rawSend(fake, CHANNEL_ID, `m${i}`)).status);
        expect(statuses).toEqual([403, 403, 404, 201]);

        const id = fake.posts()[0]!.activityId;
        const put = await fetch(`${fake.url}v3/conversations/${encodeURIComponent(CHANNEL_ID)}/activities/${id}`, {
          method: 'PUT',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ type: 'message', text: 'edited' }),
        });
        expect(put.status).toBe(412);
        expect(await put.json()).toEqual({ error: { code: 'PreconditionFailed', message: 'Injected failure 412' } });
        expect(fake.updates()).toEqual([]);
        expect((await rawSend(fake, CHANNEL_ID, 'after')).status).toBe(201);
      });

      it('sends Retry-After when asked', async () => {
        fake.failNext({ status: 503, code: 'ServiceUnavailable', retryAfterSeconds: 7 });
        const res = await rawSend(fake, CHANNEL_ID, 'x');
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('7');
        expect(await res.json()).toEqual({ error: { code: 'ServiceUnavailable', message: 'Injected failure 503' } });
      });

      it('a single 502 is retried by botbuilder itself and the message lands once', async () => {
        const { adapter, errors } = makeAdapter();
        fake.failNext({ status: 502, code: 'BadGateway' });
        await adapter.continueConversationAsync('', channelReference(fake.url, CHANNEL_ID), async (ctx) => {
          await ctx.sendActivity('survives a 502');
        });
        expect(errors).toEqual([]);
        expect(fake.requests.map((r) => r.status)).toEqual([502, 201]);
        expect(fake.posts()).toHaveLength(1);
      });

      it('rejects a message over the size limit with 413 RequestEntityTooLarge', async () => {
        const { adapter, errors } = makeAdapter();
        const huge = card('x'.repeat(120 * 1024));
        await adapter.continueConversationAsync('', channelReference(fake.url, CHANNEL_ID), async (ctx) => {
          await ctx.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(huge)));
        });
        expect(errors[0]).toMatchObject({ statusCode: 413, code: 'RequestEntityTooLarge' });
        expect(fake.posts()).toEqual([]);
      });
    });

    it('serves rosters, team details and channels to TeamsInfo', async () => {
      const alice = { id: '29:1alice', name: 'Alice Analyst', aadObjectId: 'aad-alice', email: 'alice@contoso.com', userPrincipalName: 'alice@contoso.com', tenantId: TENANT, userRole: 'user' as const };
      const bob = { id: '29:1bob', name: 'Bob Oncall', aadObjectId: 'aad-bob', tenantId: TENANT, userRole: 'user' as const };
      fake.setTeam(TEAM_ID, {
        name: 'SOC',
        aadGroupId: '0f0f0f0f-aaaa-bbbb-cccc-000000000001',
        tenantId: TENANT,
        channels: [{ id: TEAM_ID }, { id: CHANNEL_ID, name: 'Maintenance' }],
        members: [alice, bob],
      });
      fake.setMembers(CHANNEL_ID, [alice]);
      const { adapter, errors } = makeAdapter();
      const seen: Record<string, unknown> = {};
      await adapter.continueConversationAsync('', channelReference(fake.url, `${CHANNEL_ID};messageid=1700000000001`), async (ctx) => {
        seen.details = await TeamsInfo.getTeamDetails(ctx, TEAM_ID);
        seen.channels = await TeamsInfo.getTeamChannels(ctx, TEAM_ID);
        seen.teamMembers = await TeamsInfo.getTeamMembers(ctx, TEAM_ID);
        seen.members = await TeamsInfo.getMembers(ctx);
        seen.member = await TeamsInfo.getMember(ctx, '29:1alice');
        seen.paged = await TeamsInfo.getPagedTeamMembers(ctx, TEAM_ID, 1);
        await TeamsInfo.getMember(ctx, '29:1nobody').catch((e: RestErrorLike) => (seen.missing = e));
      });
      expect(errors).toEqual([]);
      expect(seen.details).toMatchObject({ id: TEAM_ID, name: 'SOC', aadGroupId: '0f0f0f0f-aaaa-bbbb-cccc-000000000001' });
      expect(seen.channels).toEqual([{ id: TEAM_ID }, { id: CHANNEL_ID, name: 'Maintenance' }]);
      expect(seen.teamMembers).toEqual([
        expect.objectContaining({ id: '29:1alice', name: 'Alice Analyst', aadObjectId: 'aad-alice' }),
        expect.objectContaining({ id: '29:1bob', aadObjectId: 'aad-bob' }),
      ]);
      expect(seen.members).toEqual([expect.objectContaining({ id: '29:1alice', aadObjectId: 'aad-alice' })]);
      expect(seen.member).toMatchObject({ id: '29:1alice', aadObjectId: 'aad-alice', email: 'alice@contoso.com' });
      expect(seen.paged).toMatchObject({ members: [expect.objectContaining({ id: '29:1alice' })], continuationToken: '1' });
      expect(seen.missing).toMatchObject({ statusCode: 404, code: 'MemberNotFoundInConversation' });

      const paths = fake.requests.map((r) => `${r.method} ${r.rawPath}`);
      const team = encodeURIComponent(TEAM_ID);
      const thread = encodeURIComponent(`${CHANNEL_ID};messageid=1700000000001`);
      expect(paths).toEqual([
        `GET /v3/teams/${team}`,
        `GET /v3/teams/${team}/conversations`,
        `GET /v3/conversations/${team}/members`,
        `GET /v3/conversations/${thread}/members`,
        `GET /v3/conversations/${thread}/members/29%3A1alice`,
        `GET /v3/conversations/${team}/pagedmembers`,
        `GET /v3/conversations/${thread}/members/29%3A1nobody`,
      ]);
      expect(fake.requests[5]!.query).toEqual({ pageSize: '1' });
      expect(fake.requests.every((r) => r.tenantId === TENANT)).toBe(true);
    });

    it('reset() clears records and throttle state but keeps configuration', async () => {
      fake.setMembers(CHANNEL_ID, [{ id: '29:1alice' }]);
      for (let i = 0; i < 8; i++) await rawSend(fake, CHANNEL_ID, `m${i}`);
      fake.failNext({ status: 403 });
      expect(fake.throttledCount).toBe(1);
      fake.reset();
      expect(fake.requests).toEqual([]);
      expect(fake.posts()).toEqual([]);
      expect(fake.updates()).toEqual([]);
      expect(fake.throttledCount).toBe(0);
      expect((await rawSend(fake, CHANNEL_ID, 'fresh')).status).toBe(201);
      const res = await fetch(`${fake.url}v3/conversations/${encodeURIComponent(CHANNEL_ID)}/members`);
      expect(await res.json()).toEqual([{ id: '29:1alice' }]);
    });

    it('setLatency delays every answer', async () => {
      fake.setLatency(150);
      const t0 = Date.now();
      expect((await rawSend(fake, CHANNEL_ID, 'slow')).status).toBe(201);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    });

    it('stop() closes kept-alive sockets and the port', async () => {
      const { adapter } = makeAdapter();
      await adapter.continueConversationAsync('', channelReference(fake.url, CHANNEL_ID), async (ctx) => {
        await ctx.sendActivity('keep-alive');
      });
      const url = fake.url;
      const t0 = Date.now();
      await fake.stop();
      expect(Date.now() - t0).toBeLessThan(1000);
      await expect(fetch(`${url}v3/conversations`)).rejects.toThrow();
    });
  });

  describe('options', () => {
    it('serves under a Teams-like path prefix (serviceUrl https://smba…/emea/) and botbuilder keeps it', async () => {
      fake = new FakeBotConnector({ basePath: '/emea/' });
      await fake.start();
      expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/emea\/$/);
      const { adapter, errors } = makeAdapter();
      await adapter.continueConversationAsync('', channelReference(fake.url, CHANNEL_ID), async (ctx) => {
        await ctx.sendActivity('prefixed');
      });
      expect(errors).toEqual([]);
      expect(fake.requests[0]!.rawPath.startsWith(`/emea/v3/conversations/${encodeURIComponent(CHANNEL_ID)}/activities/`)).toBe(true);
      expect(fake.posts()).toHaveLength(1);
      expect((await fetch(`${fake.url.replace('/emea/', '/')}v3/conversations`)).status).toBe(404);
    });

    it('waitForPosts resolves when a post arrives later', async () => {
      fake = new FakeBotConnector();
      await fake.start();
      setTimeout(() => void rawSend(fake, CHANNEL_ID, 'later'), 50);
      const posts = await fake.waitForPosts(1, 2000);
      expect(posts[0]!.activity.text).toBe('later');
      await expect(fake.waitForPosts(2, 100)).rejects.toThrow(/not met/);
    });
  });

  describe('Teams throttling (injected clock)', () => {
    let clock: number;

    beforeEach(async () => {
      clock = 1_700_000_000_000;
      fake = new FakeBotConnector({ now: () => clock });
      await fake.start();
    });

    it('allows 7 messages per second in one thread and answers the 8th with 429 Throttled + Retry-After', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await rawSend(fake, CHANNEL_ID, `m${i}`)).status);
      expect(statuses).toEqual([201, 201, 201, 201, 201, 201, 201]);

      const eighth = await rawSend(fake, CHANNEL_ID, 'm7');
      expect(eighth.status).toBe(429);
      expect(eighth.headers.get('retry-after')).toBe('1');
      expect(await eighth.json()).toEqual({ error: { code: 'Throttled', message: expect.any(String) } });
      expect(fake.throttledCount).toBe(1);
      expect(fake.posts()).toHaveLength(7);
      expect(fake.requests).toHaveLength(8);

      // One second later the 1 s window is free, but 8 per 2 s still bounds it.
      clock += 1000;
      expect((await rawSend(fake, CHANNEL_ID, 'm8')).status).toBe(201);
      const tenth = await rawSend(fake, CHANNEL_ID, 'm9');
      expect(tenth.status).toBe(429);
      expect(tenth.headers.get('retry-after')).toBe('1');
      clock += 1000;
      expect((await rawSend(fake, CHANNEL_ID, 'm10')).status).toBe(201);
      expect(fake.throttledCount).toBe(2);
      expect(fake.posts()).toHaveLength(9);
    });

    it('does not throttle other threads, and counts new posts and replies in ;messageid= threads against their channel', async () => {
      for (let i = 0; i < 3; i++) expect((await rawCreate(fake, CHANNEL_ID, `post${i}`)).status).toBe(201);
      const roots = fake.posts().map((p) => p.conversationId);
      expect(roots.every((id) => threadKeyOf(id) === CHANNEL_ID)).toBe(true);
      for (let i = 0; i < 4; i++) expect((await rawSend(fake, roots[i % 3]!, `reply${i}`)).status).toBe(201);
      expect((await rawSend(fake, roots[0]!, 'one too many')).status).toBe(429);
      expect((await rawCreate(fake, CHANNEL_ID, 'new post, same channel')).status).toBe(429);

      const other = '19:otherChannel@thread.tacv2';
      for (let i = 0; i < 7; i++) expect((await rawSend(fake, other, `o${i}`)).status).toBe(201);
      expect(fake.throttledCount).toBe(2);
    });

    it('updates count against the thread like sends', async () => {
      expect((await rawSend(fake, CHANNEL_ID, 'card')).status).toBe(201);
      const id = fake.posts()[0]!.activityId;
      const put = (): Promise<Response> =>
        fetch(`${fake.url}v3/conversations/${encodeURIComponent(CHANNEL_ID)}/activities/${id}`, {
          method: 'PUT',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ type: 'message', text: 'edit' }),
        });
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await put()).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429]);
      expect(fake.updates()).toHaveLength(6);
    });

    it('enforces 60 per 30 s in a thread even when each second stays under 7', async () => {
      for (let s = 0; s < 30; s++) {
        for (let k = 0; k < 2; k++) expect((await rawSend(fake, CHANNEL_ID, `s${s}k${k}`)).status).toBe(201);
        clock += 1000;
      }
      // 60 sent between t=0 and t=29 s; now t=30 s: the two from t=0 have just left the window.
      clock -= 500; // t = 29.5 s
      const over = await rawSend(fake, CHANNEL_ID, 'sixty-first');
      expect(over.status).toBe(429);
      expect(over.headers.get('retry-after')).toBe('1');
      clock += 500; // t = 30 s
      expect((await rawSend(fake, CHANNEL_ID, 'after the window moved')).status).toBe(201);
      expect(fake.posts()).toHaveLength(61);
    });

    it('allows 50 requests per second per tenant across conversations, throttles the 51st, not other tenants', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 50; i++) statuses.push((await rawSend(fake, `19:chan${i}@thread.tacv2`, 'fan-out')).status);
      expect(statuses.every((s) => s === 201)).toBe(true);

      const over = await rawSend(fake, '19:chan50@thread.tacv2', 'fan-out');
      expect(over.status).toBe(429);
      expect(over.headers.get('retry-after')).toBe('1');
      expect(await over.json()).toMatchObject({ error: { code: 'Throttled' } });
      expect(fake.requests[50]!.tenantId).toBe(TENANT);

      expect((await rawSend(fake, '19:elsewhere@thread.tacv2', 'x', OTHER_TENANT)).status).toBe(201);
      clock += 1000;
      expect((await rawSend(fake, '19:chan50@thread.tacv2', 'fan-out')).status).toBe(201);
      expect(fake.throttledCount).toBe(1);
      expect(fake.posts()).toHaveLength(52);
    });

    it('can be turned off', async () => {
      fake.setThrottling(false);
      for (let i = 0; i < 60; i++) expect((await rawSend(fake, CHANNEL_ID, `m${i}`)).status).toBe(201);
      expect(fake.throttledCount).toBe(0);
    });

    it('botbuilder retries a 429 after Retry-After and, when still throttled, surfaces 429 Throttled with the header', async () => {
      // The injected clock stands still, so every retry is throttled again: botbuilder makes 4 attempts (~3 s).
      const { adapter, errors } = makeAdapter();
      for (let i = 0; i < 7; i++) await rawSend(fake, CHANNEL_ID, `m${i}`);
      await adapter.continueConversationAsync('', channelReference(fake.url, CHANNEL_ID), async (ctx) => {
        await ctx.sendActivity('one too many');
      });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ statusCode: 429, code: 'Throttled' });
      expect(errors[0]!.response!.headers.get('retry-after')).toBe('1');
      expect(fake.throttledCount).toBe(4);
      expect(fake.posts()).toHaveLength(7);
    }, 15_000);
  });

  describe('Teams throttling (real clock)', () => {
    beforeEach(async () => {
      fake = new FakeBotConnector();
      await fake.start();
    });

    it('a burst of 8 sends in one turn: the 8th is throttled once, botbuilder waits Retry-After and it lands', async () => {
      const { adapter, errors } = makeAdapter();
      await adapter.continueConversationAsync('', channelReference(fake.url, CHANNEL_ID), async (ctx) => {
        for (let i = 0; i < 8; i++) await ctx.sendActivity(`burst ${i}`);
      });
      expect(errors).toEqual([]);
      const posts: RecordedPost[] = fake.posts();
      expect(posts).toHaveLength(8);
      expect(fake.throttledCount).toBeGreaterThanOrEqual(1);
      expect(posts[7]!.time - posts[0]!.time).toBeGreaterThanOrEqual(1000);
      expect(posts.map((p) => p.activity.text)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => `burst ${i}`));
    }, 15_000);
  });
});
