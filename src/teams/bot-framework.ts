/**
 * botbuilder and MSAL, required on first use instead of at start. botbuilder's index loads all of
 * botframework-connector, and with it MSAL, @azure/identity and the Azure HTTP pipeline: 18 MB of heap, 25 MB
 * resident on Node 24, that an idle process in local mode never touches. The first activity or the first post
 * loads them (about 0.3 s, once); in authenticated mode the adapter is built at start (adapter.ts says why).
 *
 * Everything else in src/teams takes botbuilder's types with `import type`, which costs nothing at run time, and
 * its values from here. The domain never comes here (dependency-cruiser).
 */
import type * as Botbuilder from 'botbuilder';
import type * as Connector from 'botframework-connector';
import type * as MsalNode from '@azure/msal-node';

let botbuilderModule: typeof Botbuilder | undefined;
let connectorModule: typeof Connector | undefined;
let msalModule: typeof MsalNode | undefined;

/** The botbuilder package, loaded on the first call. */
export function botbuilder(): typeof Botbuilder {
  botbuilderModule ??= require('botbuilder') as typeof Botbuilder;
  return botbuilderModule;
}

/** The botframework-connector package (which botbuilder loads anyway), loaded on the first call. */
export function botframeworkConnector(): typeof Connector {
  connectorModule ??= require('botframework-connector') as typeof Connector;
  return connectorModule;
}

/** @azure/msal-node, loaded on the first call (authenticated mode only: local mode has no app identity). */
export function msalNode(): typeof MsalNode {
  msalModule ??= require('@azure/msal-node') as typeof MsalNode;
  return msalModule;
}
