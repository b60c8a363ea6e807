type Server = { requestIP(request: Request): { address: string } | null } | null | undefined

/**
 * The request's socket address, asked only when called: most requests never need it (a proxy's
 * X-Forwarded-For comes first, see clicks/ip.ts).
 *
 * A plain function rather than an Elysia `derive`: a derive runs on every request of the feature
 * (about 0.3 µs on the redirect), and Elysia guesses from a hook's source text whether it is async;
 * once minified by `bun build --minify`, a derive like this one reads as async and is awaited.
 */
export const socketAddress = (server: Server, request: Request) => () => server?.requestIP(request)?.address
