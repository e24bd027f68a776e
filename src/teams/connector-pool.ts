/**
 * One Bot Connector client per service URL, instead of botbuilder's one per turn. CloudAdapter asks for a new
 * ConnectorClient and a new UserTokenClient on every inbound activity (and the outbound token of every delivery is
 * taken from a client's credentials, adapter.ts); each builds an
 * HTTP pipeline (policies, serializers, credentials) and the card-action benchmark spent about a tenth of its CPU
 * time there. The clients are stateless between requests (the credentials cache their token), so one serves every
 * turn that would have built the same one: same bot app id, service URL and audience.
 *
 * Bounded: the least recently used client is dropped beyond `max`, so a stream of different service URLs cannot
 * grow it (they are allow-listed before any turn runs anyway, see teams-gate.ts).
 */
import { ConfigurationBotFrameworkAuthentication, type Activity } from 'botbuilder';
import { AuthenticationConstants, ConnectorFactory, type AuthenticateRequestResult, type ClaimsIdentity, type ConnectorClient, type UserTokenClient } from 'botframework-connector';

/** Service URLs (with their bot app id and audience) whose clients are kept; Teams uses a handful per cloud. */
export const CONNECTOR_POOL_SIZE = 64;

/** A bounded map of promised values, least recently used out first; a rejected promise is not kept. */
export class LruPromiseCache<T> {
  private readonly entries = new Map<string, Promise<T>>();

  constructor(readonly max: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string, create: () => Promise<T>): Promise<T> {
    let value = this.entries.get(key);
    if (value) {
      this.entries.delete(key); // re-inserted below: the Map's order is the recency order
    } else {
      value = create();
      value.catch(() => {
        if (this.entries.get(key) === value) this.entries.delete(key);
      });
      if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(key, value);
    return value;
  }
}

/** The bot app id botbuilder builds a turn's clients for (its `getAppId`: the audience claim, else `appid`). */
function appIdOf(claims: ClaimsIdentity): string {
  return claims.getClaimValue(AuthenticationConstants.AudienceClaim) ?? claims.getClaimValue(AuthenticationConstants.AppIdClaim) ?? '';
}

class PooledConnectorFactory extends ConnectorFactory {
  /** @param defaultAudience what the inner factory uses for an undefined audience (proactive sends pass none). */
  constructor(
    private readonly inner: ConnectorFactory,
    private readonly appId: string,
    private readonly defaultAudience: string,
    private readonly pool: LruPromiseCache<ConnectorClient>,
  ) {
    super();
  }

  override create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    return this.pool.get(`${this.appId}\n${serviceUrl}\n${audience ?? this.defaultAudience}`, () => this.inner.create(serviceUrl, audience));
  }
}

/** ConfigurationBotFrameworkAuthentication whose turns share their Connector and user-token clients. */
export class PooledBotFrameworkAuthentication extends ConfigurationBotFrameworkAuthentication {
  readonly connectorClients = new LruPromiseCache<ConnectorClient>(CONNECTOR_POOL_SIZE);
  private readonly userTokenClients = new LruPromiseCache<UserTokenClient>(CONNECTOR_POOL_SIZE);
  private readonly defaultAudience: string;

  constructor(...args: ConstructorParameters<typeof ConfigurationBotFrameworkAuthentication>) {
    super(...args);
    // The scope botbuilder asks a token for when a send names no audience; without it, such sends get clients of their own.
    this.defaultAudience = args[0]?.ToChannelFromBotOAuthScope ?? '';
  }

  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    const result = await super.authenticateRequest(activity, authHeader);
    if (!result.connectorFactory) return result;
    return { ...result, connectorFactory: new PooledConnectorFactory(result.connectorFactory, appIdOf(result.claimsIdentity), this.defaultAudience, this.connectorClients) };
  }

  override createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return new PooledConnectorFactory(super.createConnectorFactory(claimsIdentity), appIdOf(claimsIdentity), this.defaultAudience, this.connectorClients);
  }

  override createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    return this.userTokenClients.get(appIdOf(claimsIdentity), () => super.createUserTokenClient(claimsIdentity));
  }
}
