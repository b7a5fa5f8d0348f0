/**
 * A route that accepts less than the global body limit says so in its route config:
 * `@RouteConfig({ [ROUTE_BODY_LIMIT]: bytes })`; the Fastify adapter (src/app.factory.ts) makes it
 * the route's bodyLimit, so bigger bodies get 413 before they are parsed.
 */
export const ROUTE_BODY_LIMIT = 'bodyLimit';
