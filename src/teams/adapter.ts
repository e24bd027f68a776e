/**
 * The Bot Framework adapter, and the handling of POST /api/messages around it: a 400 for a body that is not an
 * activity, a 403 for one that is not Teams traffic from a Teams host (teams-gate.ts), authentication (or local
 * mode) with a 401 for a request that could not be authenticated, and turn errors logged with the activity id
 * instead of crashing anything.
 */
import type { Activity, CloudAdapter, ConversationReference, InvokeResponse, TurnContext } from 'botbuilder';
import type { BotFrameworkAuthentication, ServiceClientCredentialsFactory } from 'botframework-connector';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { botbuilder, botframeworkConnector, msalNode } from './bot-framework';
import type { ServiceUrlPolicy } from './service-url';
import { refuseNonTeamsActivity } from './teams-gate';
import { decodeJwtPart } from '../jwt-parts';

export interface BotRequest {
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface BotResponse {
  readonly status: number;
  readonly body?: unknown;
}

/**
 * botbuilder's CloudAdapter behind the two ways this bot uses it (an inbound activity with the authenticated entry
 * point exposed, so errors are ours to log and answer; a proactive turn). The CloudAdapter, and with it botbuilder
 * (bot-framework.ts), is built on first use: in local mode that is the first activity or the first post.
 */
export class BotAdapter {
  private cloud: TeamsCloudAdapter | undefined;
  private auth: BotFrameworkAuthentication | undefined;

  /**
   * @param authentication builds botbuilder's authentication, when the CloudAdapter is first needed.
   * @param serviceUrls the service-URL allow-list the edge checks before this adapter runs an activity.
   * @param channelTokenIssuer the only `iss` an inbound token may carry (ToBotFromChannelTokenIssuer); undefined in
   *   local mode, where requests are not authenticated at all.
   * @param onTurnError what botbuilder calls with an error thrown inside a turn.
   */
  constructor(
    private readonly authentication: () => BotFrameworkAuthentication,
    readonly serviceUrls: ServiceUrlPolicy,
    private readonly channelTokenIssuer?: string,
    private readonly onTurnError?: (context: TurnContext, error: Error) => Promise<void>,
  ) {}

  /** botbuilder's adapter, built on the first call. */
  cloudAdapter(): CloudAdapter {
    return this.teamsCloudAdapter();
  }

  private teamsCloudAdapter(): TeamsCloudAdapter {
    if (!this.cloud) {
      const cloud = new (teamsCloudAdapterClass())(this.botFrameworkAuthentication());
      if (this.onTurnError) cloud.onTurnError = this.onTurnError;
      this.cloud = cloud;
    }
    return this.cloud;
  }

  /** One authentication for the CloudAdapter and the outbound tokens alike: they share its pool of clients. */
  private botFrameworkAuthentication(): BotFrameworkAuthentication {
    this.auth ??= this.authentication();
    return this.auth;
  }

  /**
   * The Authorization header for a call to the Bot Connector at `serviceUrl` as the bot `botAppId`, or undefined
   * for '' (local mode: botbuilder sends none either, and is not loaded for it). The token is the one botbuilder
   * would have sent: its credentials for that service URL and the channel's audience, whichever kind they are
   * (password, certificate, managed identity, a private cloud's login URL), which cache and renew it.
   */
  async outboundAuthorization(botAppId: string, serviceUrl: string): Promise<string | undefined> {
    if (botAppId === '') return undefined;
    const { AuthenticationConstants, ClaimsIdentity } = botframeworkConnector();
    // The identity CloudAdapter builds for a proactive turn (createClaimsIdentity), and no audience: the default scope.
    const claims = new ClaimsIdentity([
      { type: AuthenticationConstants.AudienceClaim, value: botAppId },
      { type: AuthenticationConstants.AppIdClaim, value: botAppId },
    ]);
    const client = await this.botFrameworkAuthentication().createConnectorFactory(claims).create(serviceUrl, undefined);
    let authorization: string | undefined;
    const request = {
      headers: {
        set(name: string, value: string) {
          if (name.toLowerCase() === 'authorization') authorization = value;
        },
      },
    };
    await client.credentials.signRequest(request as never);
    return authorization;
  }

  /** Why the Authorization header is refused before botbuilder sees it, or undefined (see channelTokenProblem). */
  tokenRefusal(authHeader: string): string | undefined {
    return this.channelTokenIssuer === undefined ? undefined : channelTokenProblem(authHeader, this.channelTokenIssuer);
  }

  async runActivity(authHeader: string, activity: Activity, logic: (context: TurnContext) => Promise<void>) {
    const cloud = this.teamsCloudAdapter();
    try {
      return await cloud.runActivity(authHeader, activity, logic);
    } finally {
      forgetEmulatorIssuers();
    }
  }

  /** A proactive turn in the conversation `reference` names, as the bot `botAppId` ('' in local mode). */
  continueConversationAsync(botAppId: string, reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    return this.cloudAdapter().continueConversationAsync(botAppId, reference, logic);
  }
}

/** CloudAdapter with its authenticated entry point (protected in botbuilder) exposed. */
interface TeamsCloudAdapter extends CloudAdapter {
  runActivity(authHeader: string, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined>;
}

let teamsCloudAdapter: (new (auth: BotFrameworkAuthentication) => TeamsCloudAdapter) | undefined;

/**
 * The class is defined when botbuilder is first loaded: it extends botbuilder's CloudAdapter. The Emulator issuers
 * (below) are remembered then, before any request.
 */
function teamsCloudAdapterClass(): new (auth: BotFrameworkAuthentication) => TeamsCloudAdapter {
  if (!teamsCloudAdapter) {
    const issuers = botframeworkConnector().EmulatorValidation.ToBotFromEmulatorTokenValidationParameters.issuer;
    if (Array.isArray(issuers)) emulatorIssuers = { list: issuers, count: issuers.length };
    teamsCloudAdapter = class extends botbuilder().CloudAdapter implements TeamsCloudAdapter {
      runActivity(authHeader: string, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
        return this.processActivity(authHeader, activity, logic);
      }
    };
  }
  return teamsCloudAdapter;
}

/**
 * botbuilder 4.23 runs EmulatorValidation.isTokenFromEmulator on every request before any signature is checked, and
 * it appends four issuers to a process-wide list for each `tid` of the unverified token it has not seen: one
 * request per made-up tid grows memory, and every later lookup, for as long as the process runs (measured: 1,000
 * requests, 9 → 4,009 entries). This bot takes no Emulator tokens (channelTokenProblem), so the list goes back to
 * botbuilder's own after each request.
 */
let emulatorIssuers: { readonly list: string[]; readonly count: number } | undefined;
function forgetEmulatorIssuers(): void {
  if (emulatorIssuers && emulatorIssuers.list.length > emulatorIssuers.count) emulatorIssuers.list.length = emulatorIssuers.count;
}

/**
 * Creates the adapter from the standard Bot Framework variables (no MicrosoftAppId: local mode) and the cloud's
 * endpoints (config.botFrameworkAuth, always complete, so botbuilder never mixes its defaults with ours).
 * In authenticated mode botbuilder and MSAL are loaded and the CloudAdapter built here, at start: a credential or an
 * endpoint they refuse stops start-up instead of the first request, and Teams' traffic needs them at once anyway.
 * In local mode (no credentials; the endpoints config.ts has validated) it is built on first use.
 */
export function createAdapter(config: Config, logger: Logger, serviceUrls: ServiceUrlPolicy): BotAdapter {
  // One Connector client per service URL rather than one per turn (connector-pool.ts). Required here, on first use:
  // its class extends botbuilder's, which an idle process in local mode never loads (bot-framework.ts).
  const authentication = () => {
    const { PooledBotFrameworkAuthentication } = require('./connector-pool') as typeof import('./connector-pool');
    return new PooledBotFrameworkAuthentication(
      {
        MicrosoftAppId: config.microsoftAppId ?? '',
        MicrosoftAppPassword: config.microsoftAppPassword ?? '',
        MicrosoftAppType: config.microsoftAppType,
        MicrosoftAppTenantId: config.microsoftAppTenantId ?? '',
        ...config.botFrameworkAuth,
      },
      privateCloudCredentials(config),
    );
  };
  const onTurnError = async (context: TurnContext, error: Error) => {
    logger.error({ err: error, activityId: context.activity?.id, activityType: context.activity?.type, conversationId: context.activity?.conversation?.id }, 'turn failed');
    if (context.activity?.type === 'message') {
      await context.sendActivity('Sorry, something went wrong on my side; nothing was recorded. Please try again.').catch(() => undefined);
    }
  };
  const adapter = new BotAdapter(authentication, serviceUrls, config.localMode ? undefined : config.botFrameworkAuth.ToBotFromChannelTokenIssuer, onTurnError);
  if (!config.localMode) adapter.cloudAdapter();
  return adapter;
}

/** A reason the body is not a usable activity, or undefined when it is. */
export function activityProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'the body is not a JSON object';
  const a = body as Record<string, unknown>;
  if (typeof a.type !== 'string' || a.type === '') return 'missing activity type';
  if (typeof a.serviceUrl !== 'string' || !/^https?:\/\//i.test(a.serviceUrl)) return 'missing or invalid serviceUrl';
  if (typeof a.channelId !== 'string' || a.channelId === '') return 'missing channelId';
  const conv = a.conversation as Record<string, unknown> | undefined;
  if (typeof conv !== 'object' || conv === null || typeof conv.id !== 'string' || conv.id === '') return 'missing conversation.id';
  if (a.from !== undefined && (typeof a.from !== 'object' || a.from === null)) return 'invalid from';
  if (a.text !== undefined && typeof a.text !== 'string') return 'invalid text';
  return undefined;
}

/**
 * Runs one inbound request through the adapter. Returns the HTTP answer instead of writing it, so the HTTP
 * layer stays thin and tests can call it directly.
 */
export async function processBotRequest(adapter: BotAdapter, req: BotRequest, logic: (context: TurnContext) => Promise<void>, logger: Logger): Promise<BotResponse> {
  const problem = activityProblem(req.body);
  if (problem) return { status: 400, body: { error: { code: 'BadRequest', message: problem } } };
  const refused = refuseNonTeamsActivity(req.body as Activity, adapter.serviceUrls, logger);
  if (refused) return refused;
  const raw = req.headers.authorization ?? req.headers.Authorization;
  const authHeader = Array.isArray(raw) ? (raw[0] ?? '') : (raw ?? '');
  const refusal = adapter.tokenRefusal(authHeader);
  if (refusal) {
    logger.warn({ reason: refusal, activityId: (req.body as Activity).id }, 'rejected unauthenticated Bot Framework request');
    return { status: 401, body: { error: { code: 'Unauthorized', message: 'The request is not authenticated as Bot Framework traffic.' } } };
  }
  // Built here on the first request in local mode: should that fail, it is the server's fault (500, logged by the
  // HTTP layer), not an authentication failure, which is what an error inside the try below is taken for.
  adapter.cloudAdapter();
  let started = false;
  try {
    const invoke = await adapter.runActivity(authHeader, req.body as Activity, async (context) => {
      started = true;
      await logic(context);
    });
    return { status: invoke?.status ?? 200, body: invoke?.body };
  } catch (err) {
    if (!started) {
      // The adapter could not authenticate the request (no token, a bad one, or one it could not verify).
      logger.warn({ reason: err instanceof Error ? err.message : String(err), activityId: (req.body as Activity).id }, 'rejected unauthenticated Bot Framework request');
      return { status: 401, body: { error: { code: 'Unauthorized', message: 'The request is not authenticated as Bot Framework traffic.' } } };
    }
    logger.error({ err, activityId: (req.body as Activity).id }, 'turn failed');
    return { status: 500, body: { error: { code: 'InternalError', message: 'The bot failed to handle the activity.' } } };
  }
}

/** Login hosts under which botbuilder builds its own MSAL client (AuthenticationConstants/GovernmentConstants prefixes). */
const BOTBUILDER_LOGIN_PREFIXES = ['https://login.microsoftonline.com/', 'https://login.microsoftonline.us/'];

/**
 * Outbound-token credentials for a login URL outside login.microsoftonline.com/.us (21Vianet, a private cloud, a
 * local stand-in), or undefined to keep botbuilder's own. For such a URL botbuilder 4.23 builds an MSAL client that
 * first asks https://login.microsoftonline.com/common/discovery/instance whether the host is a real authority:
 * where the public cloud is unreachable the bot then never gets a token. The operator named the host, so it is
 * trusted as a known authority instead (MSAL still fetches its OpenID metadata and posts the client credentials
 * there, over https). Managed identity does not use a login URL and keeps botbuilder's path.
 */
function privateCloudCredentials(config: Config): ServiceClientCredentialsFactory | undefined {
  const loginUrl = config.botFrameworkAuth.ToChannelFromBotLoginUrl;
  if (config.localMode || config.microsoftAppType === 'UserAssignedMSI') return undefined;
  if (BOTBUILDER_LOGIN_PREFIXES.some((prefix) => loginUrl.toLowerCase().startsWith(prefix))) return undefined;
  const client = new (msalNode().ConfidentialClientApplication)({
    auth: { clientId: config.microsoftAppId!, clientSecret: config.microsoftAppPassword!, authority: loginUrl, knownAuthorities: [new URL(loginUrl).host] },
  });
  return new (botframeworkConnector().MsalServiceClientCredentialsFactory)(config.microsoftAppId!, client);
}

const SIGNING_ALGORITHMS = new Set(['RS256', 'RS384', 'RS512']);

/**
 * What botbuilder does not check on an inbound token, checked before it runs (on the decoded, not yet verified
 * token: these checks can only refuse more; botbuilder still verifies the signature, audience, times, endorsements
 * and the serviceurl claim):
 *  - `exp` must be there: jsonwebtoken only checks an expiry that is present, so a token without one was accepted
 *    for ever;
 *  - `iss` must be the channel's (ToBotFromChannelTokenIssuer). botbuilder picks its validation path from the
 *    unverified token: a Microsoft Entra issuer sends it down the Emulator (or skill) path, which authenticates any
 *    Entra-signed token whose `appid` is this bot, whatever its audience — such as the bot's own outbound token,
 *    which it hands to every serviceUrl it talks to (measured: only a later step, building the reply connector
 *    from an audience that is not an app id, then stopped the turn). Teams sends channel tokens only.
 *  - an RSA signature algorithm (`alg: none` and HMAC never reach key lookup).
 * Returns a reason for the log (never the token), or undefined.
 */
export function channelTokenProblem(authHeader: string, issuer: string): string | undefined {
  if (authHeader.trim() === '') return 'no Authorization header';
  const m = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/.exec(authHeader);
  if (!m) return 'the Authorization header is not a Bearer JWT';
  const header = decodeJwtPart(m[1]!);
  const payload = decodeJwtPart(m[2]!);
  if (!header || !payload) return 'the token is not a JWT';
  if (typeof header.alg !== 'string' || !SIGNING_ALGORITHMS.has(header.alg)) return 'the token is not RSA-signed (RS256, RS384 or RS512)';
  if (typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)) return 'the token has no exp claim';
  if (payload.iss !== issuer) return 'the token was not issued by the Bot Framework channel service';
  // The times themselves are botbuilder's to check (with its five-minute clock skew allowance).
  return undefined;
}
