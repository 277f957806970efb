/**
 * The Content-Security-Policy of pages users' code serves under the API's own origin (deployments
 * under `/d/` and `/p/`, functions under `/fn/`): they run in a sandbox of their own origin, so
 * scripts run but reach neither the API's cookies nor the storage where the GraphQL IDE keeps a
 * visitor's token.
 */
export const SANDBOX_POLICY =
  'sandbox allow-scripts allow-forms allow-popups allow-popups-to-escape-sandbox allow-modals allow-downloads';
