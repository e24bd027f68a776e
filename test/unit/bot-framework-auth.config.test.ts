/**
 * The Bot Framework endpoint variables (sovereign clouds): defaults, the US Government preset, partial overrides
 * completed from the cloud's values (botbuilder would leave the rest undefined), and every bad value named.
 */
import { ConfigError, parseConfig } from '../../src/config';

const AUTH = { MicrosoftAppId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', MicrosoftAppPassword: 'not-a-real-secret' };

function errorsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.errors];
    throw err;
  }
  return [];
}

describe('Bot Framework endpoints', () => {
  it('defaults to the public cloud, with botframework-connector 4.23.3 values', () => {
    expect(parseConfig(AUTH).botFrameworkAuth).toEqual({
      ChannelService: '',
      ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
      ToChannelFromBotOAuthScope: 'https://api.botframework.com',
      ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
      ToBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
      ToBotFromEmulatorOpenIdMetadataUrl: 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
      OAuthUrl: 'https://api.botframework.com',
      CallerId: 'urn:botframework:azure',
      ValidateAuthority: true,
    });
    expect(Object.isFrozen(parseConfig(AUTH).botFrameworkAuth)).toBe(true);
  });

  it('takes the US Government values from ChannelService alone (GCC High, DoD), and lets a variable override one', () => {
    const gov = parseConfig({ ...AUTH, ChannelService: 'https://botframework.azure.us/' }).botFrameworkAuth;
    expect(gov).toMatchObject({
      ChannelService: 'https://botframework.azure.us',
      ToChannelFromBotLoginUrl: 'https://login.microsoftonline.us/MicrosoftServices.onmicrosoft.us',
      ToChannelFromBotOAuthScope: 'https://api.botframework.us',
      ToBotFromChannelTokenIssuer: 'https://api.botframework.us',
      ToBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.azure.us/v1/.well-known/openidconfiguration',
      CallerId: 'urn:botframework:azureusgov',
    });
    const dod = parseConfig({ ...AUTH, ChannelService: 'https://botframework.azure.us', OAuthUrl: 'https://apiDoD.botframework.azure.us' }).botFrameworkAuth;
    expect(dod.OAuthUrl).toBe('https://apiDoD.botframework.azure.us');
    expect(dod.ToBotFromChannelTokenIssuer).toBe('https://api.botframework.us');
  });

  it('completes a partial override from the cloud it belongs to (a lone metadata URL keeps the public issuer)', () => {
    const c = parseConfig({ ...AUTH, ToBotFromChannelOpenIdMetadataUrl: 'http://127.0.0.1:4000/v1/.well-known/openidconfiguration' }).botFrameworkAuth;
    expect(c.ToBotFromChannelOpenIdMetadataUrl).toBe('http://127.0.0.1:4000/v1/.well-known/openidconfiguration');
    expect(c.ToBotFromChannelTokenIssuer).toBe('https://api.botframework.com');
    expect(c.ToChannelFromBotLoginUrl).toBe('https://login.microsoftonline.com/botframework.com');
  });

  it('takes botbuilder’s older names BotOpenIdMetadata and OAuthApiEndpoint, the newer names winning', () => {
    const old = parseConfig({ ...AUTH, BotOpenIdMetadata: 'https://login.example.test/v1/.well-known/openidconfiguration', OAuthApiEndpoint: 'https://token.example.test' }).botFrameworkAuth;
    expect(old).toMatchObject({ ToBotFromChannelOpenIdMetadataUrl: 'https://login.example.test/v1/.well-known/openidconfiguration', OAuthUrl: 'https://token.example.test' });
    const both = parseConfig({ ...AUTH, BotOpenIdMetadata: 'https://old.example.test/m', ToBotFromChannelOpenIdMetadataUrl: 'https://new.example.test/m' }).botFrameworkAuth;
    expect(both.ToBotFromChannelOpenIdMetadataUrl).toBe('https://new.example.test/m');
  });

  it('needs every essential endpoint for a cloud botbuilder has no constants for (21Vianet)', () => {
    expect(errorsOf({ ...AUTH, ChannelService: 'https://botframework.azure.cn', OAuthUrl: 'https://token.botframework.azure.cn/' })).toEqual([
      'ChannelService: "https://botframework.azure.cn" is not the public or US Government cloud, so set ToChannelFromBotLoginUrl, ToChannelFromBotOAuthScope, ToBotFromChannelTokenIssuer, ToBotFromChannelOpenIdMetadataUrl too',
    ]);
    const china = parseConfig({
      ...AUTH,
      ChannelService: 'https://botframework.azure.cn',
      ToChannelFromBotLoginUrl: 'https://login.partner.microsoftonline.cn/microsoftservices.partner.onmschina.cn',
      ToChannelFromBotOAuthScope: 'https://api.botframework.azure.cn',
      ToBotFromChannelTokenIssuer: 'https://api.botframework.azure.cn',
      ToBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.azure.cn/v1/.well-known/openidconfiguration',
    }).botFrameworkAuth;
    // Nothing guessed from the public cloud.
    expect(china).toMatchObject({ ChannelService: 'https://botframework.azure.cn', OAuthUrl: undefined, CallerId: undefined, ToBotFromEmulatorOpenIdMetadataUrl: undefined });
  });

  it('names each bad value: not a URL, http off loopback, http for the login URL, bad scope, CallerId, ValidateAuthority', () => {
    const errors = errorsOf({
      ...AUTH,
      ChannelService: 'government please',
      ToBotFromChannelOpenIdMetadataUrl: 'login.botframework.com/v1',
      ToBotFromEmulatorOpenIdMetadataUrl: 'http://login.example.test/common/v2.0/.well-known/openid-configuration',
      ToChannelFromBotLoginUrl: 'http://127.0.0.1:4443/botframework.com',
      ToChannelFromBotOAuthScope: 'api.botframework.us',
      ToBotFromChannelTokenIssuer: 'ftp://api.botframework.us',
      OAuthApiEndpoint: 'nope',
      CallerId: 'azureusgov',
      ValidateAuthority: 'sometimes',
    });
    // SERVICE_URL_ALLOWLIST's own complaint about the unknown cloud is service-url.test.ts's concern.
    expect(errors.map((e) => e.split(':')[0]).filter((name) => name !== 'SERVICE_URL_ALLOWLIST').sort()).toEqual(
      ['CallerId', 'ChannelService', 'OAuthApiEndpoint', 'ToBotFromChannelOpenIdMetadataUrl', 'ToBotFromChannelTokenIssuer', 'ToBotFromEmulatorOpenIdMetadataUrl', 'ToChannelFromBotLoginUrl', 'ToChannelFromBotOAuthScope', 'ValidateAuthority'].sort(),
    );
    expect(errors.find((e) => e.startsWith('ToChannelFromBotLoginUrl'))).toMatch(/must be an https:\/\/ URL$/);
    expect(errors.find((e) => e.startsWith('ToBotFromEmulatorOpenIdMetadataUrl'))).toMatch(/http:\/\/ only on a loopback host/);
  });

  it('reads ValidateAuthority=false', () => {
    expect(parseConfig({ ...AUTH, ValidateAuthority: 'FALSE' }).botFrameworkAuth.ValidateAuthority).toBe(false);
  });
});
