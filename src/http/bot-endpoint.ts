/**
 * POST /api/messages: where Bot Framework delivers Teams activities. This file only moves bytes: the body is read
 * by `json-body.ts`, and everything the Bot Framework protocol decides (a 400 for a body that is not an activity,
 * the Teams gate, authentication, turn errors) is `processBotRequest` in `teams/adapter.ts`.
 */
import type { Request, Response, Server } from 'restify';
import type { Logger } from '../logger';
import { processBotRequest, type BotAdapter } from '../teams/adapter';
import type { SocBot } from '../teams/bot';
import { createJsonBodyReader } from './json-body';

export interface BotEndpointDeps {
  readonly adapter: BotAdapter;
  readonly bot: Pick<SocBot, 'onTurn'>;
  readonly logger: Logger;
}

export function registerBotEndpoint(server: Server, deps: BotEndpointDeps): void {
  const { adapter, bot, logger } = deps;
  // Uncompressed UTF-8 JSON only, bounded in size and shape (see json-body.ts); no restify bodyParser anywhere.
  const bodies = createJsonBodyReader({}, (err) => logger.debug({ status: err.status, code: err.code, reason: err.message }, 'refused request body'));

  server.post('/api/messages', async (req: Request, res: Response) => {
    await bodies.handle(req, res, async (body) => {
      const answer = await processBotRequest(adapter, { body, headers: req.headers }, (ctx) => bot.onTurn(ctx), logger);
      res.status(answer.status);
      if (answer.body !== undefined) res.json(answer.body);
      else res.end();
    });
  });
}
