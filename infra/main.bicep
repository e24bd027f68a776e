// SOC Reminders on Azure: App Service (Linux, Node LTS, Always On), the Azure Bot with its Teams channel,
// PostgreSQL Flexible Server, and a Key Vault holding the bot's client secret and the database URL, read by the
// app through Key Vault references. Parameters: infra/main.bicepparam and docs/deploy.md.
//
//   az deployment group create -g <rg> -f infra/main.bicep -p infra/main.bicepparam
//
// The Entra app registration (the bot's identity, and the tab's "Expose an API") is not created here: it lives in
// Entra ID, not in a resource group. Create it first (docs/deploy.md) and pass its ids in.

targetScope = 'resourceGroup'

@description('Short name used to derive every resource name (letters and digits, 3-16). Names must be globally unique for the web app, the vault and the database server.')
@minLength(3)
@maxLength(16)
param name string

@description('Region of the App Service, PostgreSQL and Key Vault (the Azure Bot resource is global).')
param location string = resourceGroup().location

@description('Application (client) id of the bot\'s Entra app registration → MicrosoftAppId.')
param botAppId string

@description('SingleTenant for your own organisation (recommended), or MultiTenant. → MicrosoftAppType.')
@allowed(['SingleTenant', 'MultiTenant'])
param botAppType string = 'SingleTenant'

@description('Directory (tenant) id of the app registration → MicrosoftAppTenantId. Defaults to the deployment\'s tenant.')
param botTenantId string = tenant().tenantId

@description('A client secret of the app registration. Stored only in Key Vault; the app reads it through a Key Vault reference.')
@secure()
param botAppPassword string

@description('The Teams app (manifest) id, a GUID you generate once → TEAMS_APP_ID.')
param teamsAppId string

@description('Comma-separated tenant ids whose Teams activities are accepted → ALLOWED_TENANTS. Empty: every tenant (only sensible for MultiTenant).')
param allowedTenants string = botTenantId

@description('Public host name Teams reaches the bot and tab at, without https://. Empty: the web app\'s <name>.azurewebsites.net. Set it when you bind a custom domain.')
param publicHostname string = ''

@description('App Service plan SKU. Always On needs Basic (B1) or higher; P0v3 and up for production.')
param appServiceSku string = 'B1'

@description('Instances of the web app. Each runs the scheduler and the delivery worker; they share the database and pace themselves to 1/N of Teams\' limits.')
@minValue(1)
@maxValue(10)
param instanceCount int = 1

@description('Node.js LTS stack of the web app (az webapp list-runtimes --os-type linux).')
@allowed(['NODE|24-lts', 'NODE|22-lts'])
param nodeStack string = 'NODE|24-lts'

@description('PostgreSQL administrator login.')
param postgresAdminLogin string = 'socadmin'

@description('PostgreSQL administrator password (letters, digits and symbols; it goes into a URL, so it is percent-encoded here).')
@secure()
param postgresAdminPassword string

@description('PostgreSQL major version.')
@allowed(['16', '17'])
param postgresVersion string = '16'

@description('PostgreSQL compute SKU and tier.')
param postgresSku object = {
  name: 'Standard_B1ms'
  tier: 'Burstable'
}

@description('Azure Bot pricing tier: F0 (free, standard channels such as Teams are free on either) or S1.')
@allowed(['F0', 'S1'])
param botSku string = 'F0'

@description('IANA time zone for schedules that name none → SOC_TIMEZONE.')
param socTimezone string = 'UTC'

var suffix = uniqueString(resourceGroup().id, name)
var siteName = '${name}-${suffix}'
var host = empty(publicHostname) ? '${siteName}.azurewebsites.net' : publicHostname
var databaseName = 'soc_reminders'
// Key Vault Secrets User (read secret values): the web app's identity needs no more.
var keyVaultSecretsUserRole = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: 'kv${take(replace(name, '-', ''), 10)}${take(suffix, 8)}'
  location: location
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 30
    enablePurgeProtection: true
  }
}

resource botPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'bot-app-password'
  properties: { value: botAppPassword }
}

resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: '${name}-pg-${suffix}'
  location: location
  sku: postgresSku
  properties: {
    version: postgresVersion
    administratorLogin: postgresAdminLogin
    administratorLoginPassword: postgresAdminPassword
    storage: { storageSizeGB: 32, autoGrow: 'Enabled' }
    backup: { backupRetentionDays: 14, geoRedundantBackup: 'Disabled' }
    highAvailability: { mode: 'Disabled' }
    network: { publicNetworkAccess: 'Enabled' }
  }
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: postgres
  name: databaseName
  properties: { charset: 'UTF8', collation: 'en_US.utf8' }
}

// "Allow public access from any Azure service": the web app's outbound addresses are Azure's. For a private
// network, replace this with VNet integration and a private endpoint.
resource allowAzure 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = {
  parent: postgres
  name: 'AllowAzureServices'
  properties: { startIpAddress: '0.0.0.0', endIpAddress: '0.0.0.0' }
}

resource databaseUrlSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'database-url'
  properties: {
    // Azure's server certificate chains to a public root in Node's store: sslmode=require verifies it.
    value: 'postgres://${uriComponent(postgresAdminLogin)}:${uriComponent(postgresAdminPassword)}@${postgres.properties.fullyQualifiedDomainName}:5432/${databaseName}?sslmode=require'
  }
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${name}-plan-${suffix}'
  location: location
  kind: 'linux'
  sku: { name: appServiceSku, capacity: instanceCount }
  properties: { reserved: true }
}

resource site 'Microsoft.Web/sites@2023-12-01' = {
  name: siteName
  location: location
  kind: 'app,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: 'SystemAssigned'
    siteConfig: {
      linuxFxVersion: nodeStack
      // The scheduler runs in the process: without Always On, App Service unloads an idle app after 20 minutes
      // and reminders silently stop.
      alwaysOn: true
      healthCheckPath: '/readyz'
      // node, not npm start: npm does not pass SIGTERM on, and the service stops cleanly on it. The young generation's
      // size is given so that the process need not re-execute itself to set it (src/young-generation.ts).
      appCommandLine: 'node --max-semi-space-size=8 dist/src/index.js'
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      http20Enabled: true
      appSettings: [
        { name: 'MicrosoftAppId', value: botAppId }
        { name: 'MicrosoftAppType', value: botAppType }
        { name: 'MicrosoftAppTenantId', value: botTenantId }
        { name: 'MicrosoftAppPassword', value: '@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/${botPasswordSecret.name}/)' }
        { name: 'DATABASE_URL', value: '@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/${databaseUrlSecret.name}/)' }
        { name: 'ALLOWED_TENANTS', value: allowedTenants }
        { name: 'PUBLIC_HOSTNAME', value: host }
        { name: 'TEAMS_APP_ID', value: teamsAppId }
        { name: 'DELIVERY_REPLICAS', value: string(instanceCount) }
        { name: 'SOC_TIMEZONE', value: socTimezone }
        { name: 'HOST', value: '0.0.0.0' }
        { name: 'LOG_FORMAT', value: 'iso' }
        // The deployed zip is the installed product (node_modules included, built for Linux x64): no build here.
        { name: 'SCM_DO_BUILD_DURING_DEPLOYMENT', value: 'false' }
        // Instances that fail /readyz this many times in a row (one a minute) are taken out and replaced.
        { name: 'WEBSITE_HEALTHCHECK_MAXPINGFAILURES', value: '5' }
      ]
    }
  }
}

resource secretsReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, site.id, keyVaultSecretsUserRole)
  properties: {
    roleDefinitionId: keyVaultSecretsUserRole
    principalId: site.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: '${name}-bot-${suffix}'
  location: 'global'
  kind: 'azurebot'
  sku: { name: botSku }
  properties: {
    displayName: 'SOC Reminders'
    endpoint: 'https://${host}/api/messages'
    msaAppId: botAppId
    msaAppType: botAppType
    msaAppTenantId: botAppType == 'SingleTenant' ? botTenantId : null
  }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: { isEnabled: true }
  }
}

// Upper-case names: the Agents Toolkit's arm/deploy writes each output to env/.env.<env> under its own name.
@description('Host name to give `npm run package` (PUBLIC_HOSTNAME) and the Entra app registration (api://<host>/<appId>).')
output PUBLIC_HOSTNAME string = host
@description('Messaging endpoint configured on the Azure Bot.')
output MESSAGING_ENDPOINT string = 'https://${host}/api/messages'
@description('The web app, for `az webapp deploy --ids` and the toolkit\'s azureAppService/zipDeploy.')
output BOT_AZURE_APP_SERVICE_RESOURCE_ID string = site.id
output WEB_APP_NAME string = site.name
output KEY_VAULT_NAME string = vault.name
output POSTGRES_SERVER string = postgres.properties.fullyQualifiedDomainName
