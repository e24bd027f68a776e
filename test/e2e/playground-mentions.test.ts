/**
 * @mentions through the Microsoft 365 Agents Playground (issue 14): the reminder post for an assigned task carries a
 * mention entity for the assignee (by Entra object id) and the matching `<at>` text in a TextBlock, as the
 * playground hands the card to its client; a task with no person mentions the team's tag. The playground shows the
 * card as the bot sent it (its stream carries `msteams.entities` untouched); it does not render a mention pill or
 * notify anyone, so what a person sees in Teams is not verified here.
 *
 * The 1:1 card is tested through the fake Bot Connector (test/integration/reach-flow.test.ts): the playground (as
 * of this writing) creates a 1:1 chat for POST /v3/conversations (with a 29: id, `8:orgid:<object id>`, or the object
 * id as `aadObjectId`) but answers the bot's message into that chat with 500 UserNotFound, so it cannot show one.
 *
 * Until rotation assignment lands (the assign part of issue 14) the test gives the task its assignee in the
 * database before the post is sent; the card is drawn from the occurrence as it is at send time.
 */
import { FakeClock } from '../support/fake-clock';
import { InProcessBot, PlaygroundClient, PlaygroundProcess, cardsOf, freePort, readPlaygroundTenant, tempDir, type PlaygroundUser } from '../support/playground';
import { mentionsOf, textBlocksOf } from '../support/mentions';

jest.setTimeout(60_000);

const tenant = readPlaygroundTenant();
const GENERAL = tenant.general;
const CHANNEL = tenant.channel;
const ALEX: PlaygroundUser = [tenant.currentUser, ...tenant.users].find((u) => u.name === 'Alex Morgan')!;
const TAG = { id: 'MjQzMmYzYmEtNzBkOS00YzVhLTk4NzQtNjQ4ZDc1MjU3ZDk4IyMxMzI0', name: 'Monitoring on call' };

const CATALOG = `
timezone: Asia/Seoul
teams:
  - id: monitoring
    name: Monitoring
    name_ko: 모니터링
    tag: { id: ${TAG.id}, name: ${TAG.name} }
  - id: soc-oversight
    name: SOC Oversight
    name_ko: SOC 감독
activities:
  - id: queue-review
    title: Review the incident queue
    title_ko: 인시던트 큐 검토
    description: Review the incident queue.
    teams: [monitoring]
    dueAfter: 1h
  - id: sensor-check
    title: Check the sensors
    title_ko: 센서 점검
    description: Check the sensors.
    teams: [monitoring]
    dueAfter: 1h
`;

describe('mentions in the Agents Playground', () => {
  const tmp = tempDir('soc-playground-mentions-');
  const clock = new FakeClock(Date.parse('2026-03-09T09:30:00+09:00'));
  const bot = new InProcessBot({ dbFile: `${tmp.dir}/soc.db`, clock, catalogYaml: CATALOG, env: { SOC_LOCALE: 'en' } });
  let playground: PlaygroundProcess;
  let client: PlaygroundClient;

  beforeAll(async () => {
    await bot.start(await freePort());
    playground = await PlaygroundProcess.start({ botEndpoint: bot.endpoint });
    client = await new PlaygroundClient(playground.url, tenant).connect();
    await client.install(GENERAL.id);
    await client.ask(CHANNEL.id, 'bind monitoring');
  });

  afterAll(async () => {
    client?.close();
    await playground?.stop();
    await bot.stop();
    tmp.cleanup();
  });

  /** Starts `activity`, optionally gives it to `person`, sends the post and returns its card as the playground has it. */
  async function postOf(activity: string, person?: PlaygroundUser): Promise<unknown> {
    await client.ask(CHANNEL.id, `run ${activity}`);
    if (person) {
      await bot.store.db
        .updateTable('occurrences')
        .set({ assignee_aad_id: person.aadObjectId, assignee_name: person.name, assigned_at: clock.now() })
        .where('activity_id', '=', activity)
        .execute();
    }
    const from = client.mark();
    await bot.app.worker.drain();
    const post = await client.waitFor((f) => f.action === 'createMessage' && f.actionConversationId === CHANNEL.id, from);
    const cards = cardsOf(post.message);
    expect(cards).toHaveLength(1);
    return cards[0];
  }

  it('shows the assignee mention: an entity by Entra object id and the same <at> text in a TextBlock', async () => {
    const card = await postOf('queue-review', ALEX);
    expect(mentionsOf(card)).toEqual([{ type: 'mention', text: '<at>Alex Morgan</at>', mentioned: { id: ALEX.aadObjectId, name: 'Alex Morgan' } }]);
    expect(textBlocksOf(card)).toContain('For <at>Alex Morgan</at>');
  });

  it('shows the team tag mention for a task with no person', async () => {
    const card = await postOf('sensor-check');
    expect(mentionsOf(card)).toEqual([{ type: 'mention', text: `<at>${TAG.name}</at>`, mentioned: { id: TAG.id, name: TAG.name, type: 'tag' } }]);
    expect(textBlocksOf(card)).toContain(`For <at>${TAG.name}</at>`);
  });
});
