'use strict';
/**
 * The baseline of the card-action benchmark: the smallest bot the Teams samples show — restify 11, botbuilder
 * 4.23's CloudAdapter in local mode (no MicrosoftAppId, as the benchmark runs ours), `adapter.process` on
 * POST /api/messages — that answers an `adaptiveCard/action` invoke with a static card of the same size as our
 * reminder card. No database, no domain, no templating: what is left is the cost of HTTP, botbuilder and JSON.
 *
 *   PORT=0 node bench/baseline/bare-bot.js      # prints "listening <port>" when ready
 */
const restify = require('restify');
const { ActivityTypes, CloudAdapter, ConfigurationBotFrameworkAuthentication } = require('botbuilder');

// About the size and shape of a rendered reminder card (title, facts, status, four actions).
const CARD = Object.freeze({
  type: 'AdaptiveCard',
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
  version: '1.5',
  body: [
    { type: 'TextBlock', text: 'Report on Secure Score', weight: 'Bolder', size: 'Medium', wrap: true },
    { type: 'TextBlock', text: 'Report the Microsoft Secure Score and its trend to the SOC lead.', wrap: true, isSubtle: true },
    {
      type: 'FactSet',
      facts: [
        { title: 'Team', value: 'Monitoring' },
        { title: 'Due', value: 'Mon, 9 Mar 2026, 18:00 GMT+9' },
        { title: 'Cadence', value: 'Every Monday at 10:00' },
      ],
    },
    { type: 'TextBlock', text: 'Alex Morgan is on it (10:02)', wrap: true, color: 'Accent' },
  ],
  actions: [
    { type: 'Action.Execute', title: "I'm on it", verb: 'ack', data: { occurrenceId: 'x' } },
    { type: 'Action.Execute', title: 'Done', verb: 'done', data: { occurrenceId: 'x' } },
    { type: 'Action.Execute', title: 'Snooze', verb: 'snooze', data: { occurrenceId: 'x', minutes: '60' } },
    { type: 'Action.Execute', title: 'Skip', verb: 'skip', data: { occurrenceId: 'x' } },
  ],
});

const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
adapter.onTurnError = async (_context, error) => {
  process.stderr.write(`turn failed: ${error?.stack}\n`);
};

const server = restify.createServer({ name: 'bare-bot' });
server.use(restify.plugins.bodyParser({ mapParams: false }));
server.post('/api/messages', async (req, res) => {
  await adapter.process(req, res, async (context) => {
    const a = context.activity;
    if (a.type === ActivityTypes.Invoke && a.name === 'adaptiveCard/action') {
      await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: CARD } } });
    }
  });
});

server.listen(Number(process.env.PORT ?? 3979), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
