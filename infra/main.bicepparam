// Parameters of infra/main.bicep. Secrets come from the environment of the shell running the deployment, never
// from this file:  BOT_APP_PASSWORD=… POSTGRES_ADMIN_PASSWORD=… az deployment group create -g <rg> -f infra/main.bicep -p infra/main.bicepparam
using 'main.bicep'

param name = 'socrem'
param botAppId = '00000000-0000-0000-0000-000000000000' // the app registration's Application (client) ID
param botAppType = 'SingleTenant'
param teamsAppId = '00000000-0000-0000-0000-000000000000' // generate once: uuidgen
param botAppPassword = readEnvironmentVariable('BOT_APP_PASSWORD')
param postgresAdminPassword = readEnvironmentVariable('POSTGRES_ADMIN_PASSWORD')
param instanceCount = 1
param socTimezone = 'Asia/Seoul'
