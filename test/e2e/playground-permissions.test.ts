/**
 * Who may bind (issue 13) in the Microsoft 365 Agents Playground: with SOC_ADMINS naming the current user (김민지)
 * in local mode, a `bind` by another mock user (Alex Morgan) is refused with nothing bound, and hers is accepted.
 * The playground has no Microsoft Graph, so nobody is known as a team owner: only SOC admins may bind there. Its
 * roster (TeamsInfo.getMember) is the mock tenant's; the bot reads each sender from it as in Teams.
 */
import { listBindings } from '../../src/storage/binding.repository';
import { cardText } from '../support/bot-harness';
import { FakeClock } from '../support/fake-clock';
import { InProcessBot, PlaygroundClient, PlaygroundProcess, cardsOf, freePort, readPlaygroundTenant, tempDir, type PlaygroundFrame } from '../support/playground';

jest.setTimeout(60_000);

const tenant = readPlaygroundTenant();
const CHANNEL = tenant.channel;
const ALEX = tenant.users.find((u) => u.name === 'Alex Morgan')!;
const textOf = (frame: PlaygroundFrame): string => cardsOf(frame.message).map(cardText).join('\n');

describe('SOC_ADMINS in the Agents Playground', () => {
  const tmp = tempDir('soc-playground-perms-');
  const bot = new InProcessBot({ dbFile: `${tmp.dir}/soc.db`, clock: new FakeClock(Date.parse('2026-03-09T08:50:00+09:00')), env: { SOC_LOCALE: 'en', SOC_ADMINS: tenant.currentUser.aadObjectId } });
  let playground: PlaygroundProcess;
  let client: PlaygroundClient;

  beforeAll(async () => {
    await bot.start(await freePort());
    playground = await PlaygroundProcess.start({ botEndpoint: bot.endpoint });
    client = await new PlaygroundClient(playground.url, tenant).connect();
    await client.install(tenant.general.id);
  });

  afterAll(async () => {
    client?.close();
    await playground?.stop();
    await bot.stop();
    tmp.cleanup();
  });

  it('refuses a bind by someone not in SOC_ADMINS, with nothing bound', async () => {
    const reply = await client.askAs(CHANNEL.id, 'bind monitoring', ALEX);
    expect(textOf(reply)).toMatch(/Only a SOC admin or an owner of this Teams team can bind this channel/);
    expect(await listBindings(bot.store.db, tenant.tenantId)).toEqual([]);
  });

  it('accepts the bind of the SOC admin', async () => {
    const { replies } = await client.ask(CHANNEL.id, 'bind monitoring');
    expect(textOf(replies[0]!)).toBe('This channel now receives the reminders of Monitoring.');
    expect((await listBindings(bot.store.db, tenant.tenantId)).map((b) => b.socTeamId)).toEqual(['monitoring']);
  });
});
